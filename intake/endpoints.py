"""The intake queue API (受理): list the written requests waiting for an agent, read one, accept it.

Hotline staff who take requests (ticket:create) only: the queue shows the citizen's contact as
they wrote it. The request's unit of work commits.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from access.permissions import Permission
from access.principal import Principal
from core.errors import NotFound
from intake import repository, service
from intake.schemas import AcceptIn, IntakeItem, IntakeList
from web.deps import IdPath, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders import repository as tickets
from workorders.schemas import Channel
from workorders.service import side_of
from workorders.state_machine import Side, Status

router = APIRouter(prefix="/intake", tags=["intake"])
Taker = Annotated[Principal, Depends(require(Permission.TICKET_CREATE))]


def _hotline(principal: Principal) -> None:
    if side_of(principal) is not Side.HOTLINE:
        raise NotFound("受理队列仅限热线中心 (the intake queue is the hotline's)")


@router.get("", response_model=IntakeList)
async def intake_queue(session: SessionDep, principal: Taker, channel: Channel | None = None,
                       limit: int = Query(default=50, ge=1, le=200),
                       offset: int = Query(default=0, ge=0, le=1_000_000)) -> IntakeList:
    """Requests waiting for acceptance (pending_intake) in the principal's region, oldest first."""
    _hotline(principal)
    items, total = await repository.queue(session, principal, channel=channel.value if channel else None,
                                          limit=limit, offset=offset)
    return IntakeList(items=items, total=total)


@router.get("/{ticket_id}", response_model=IntakeItem)
async def intake_item(ticket_id: IdPath, session: SessionDep, principal: Taker) -> IntakeItem:
    """One request of the queue (404 once accepted, or outside the principal's region)."""
    _hotline(principal)
    ticket = await tickets.get_visible(session, principal, ticket_id)
    if ticket.status != Status.PENDING_INTAKE:
        raise NotFound(f"工单 {ticket_id} 不在受理队列中 (not waiting for intake)")
    return (await repository.items(session, [ticket]))[0]


@router.post("/{ticket_id}/accept")
async def accept_request(ticket_id: IdPath, body: AcceptIn, uow: UnitOfWorkDep, resources: ResourcesDep,
                         principal: Taker) -> dict:
    """Accept (受理): complete the R-05 elements and classify, then `outcome` — dispatch (the
    dispatch limit starts now, R-10), out_of_scope (with `disposition`), direct_answer (with
    `direct_answer`) or merge (into `merge_into` / `merge_into_number`). 422 names what is missing."""
    ticket = await service.accept(uow, resources, principal=principal, ticket_id=ticket_id, body=body)
    return {"id": ticket.id, "number": ticket.number, "status": ticket.status, "row_version": ticket.row_version,
            "merged_into_id": ticket.merged_into_id, "dispatch_due_at": ticket.dispatch_due_at}
