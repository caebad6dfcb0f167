"""Reading the intake queue: the requests waiting for acceptance a principal may see, oldest first."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from intake.schemas import IntakeItem
from models import ApiRequest, IntakeRequest, Ticket, TicketAttachment, TicketCaller
from workorders import repository
from workorders.state_machine import Status


def _queue(principal: Principal, channel: str | None):
    query = select(Ticket).where(Ticket.status == Status.PENDING_INTAKE.value,
                                 repository.visible_clause(principal.scope))
    return query.where(Ticket.channel == channel) if channel else query


async def queue(session: AsyncSession, principal: Principal, *, channel: str | None, limit: int,
                offset: int) -> tuple[list[IntakeItem], int]:
    base = _queue(principal, channel)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = (await session.scalars(base.order_by(Ticket.received_at, Ticket.id).limit(limit).offset(offset))).all()
    return await items(session, list(rows)), int(total or 0)


async def items(session: AsyncSession, rows: list[Ticket]) -> list[IntakeItem]:
    ids = [t.id for t in rows]
    if not ids:
        return []
    intake = {r.ticket_id: r for r in (await session.scalars(
        select(IntakeRequest).where(IntakeRequest.ticket_id.in_(ids)))).all()}
    # an open-API hand-over's reference is kept once, by the hand-over (api_requests: its unique
    # client + external_ref is the idempotency key); the queue shows it from there
    handed = {r.ticket_id: r for r in (await session.execute(
        select(ApiRequest.ticket_id, ApiRequest.source, ApiRequest.external_ref)
        .where(ApiRequest.ticket_id.in_(ids)))).all()}
    callers: dict[int, TicketCaller] = {}
    for caller in (await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id.in_(ids))
                                         .order_by(TicketCaller.id))).all():
        callers.setdefault(caller.ticket_id, caller)
    files = dict((await session.execute(select(TicketAttachment.ticket_id, func.count())
                                        .where(TicketAttachment.ticket_id.in_(ids))
                                        .group_by(TicketAttachment.ticket_id))).all())
    out = []
    for t in rows:
        source, caller, api = intake.get(t.id), callers.get(t.id), handed.get(t.id)
        out.append(IntakeItem(
            ticket_id=t.id, number=t.number, status=t.status, row_version=t.row_version, channel=t.channel,
            source=api.source if api else source.source if source else None,
            external_ref=api.external_ref if api else source.external_ref if source else None,
            subject=source.subject if source else None, email=source.email if source else None,
            content=t.content, category=t.category, region_code=t.region_code, address=t.address,
            occurred_at=t.occurred_at, received_at=t.received_at,
            caller_name=caller.name if caller else None, caller_phone=(caller.phone or None) if caller else None,
            confidential=caller.confidential if caller else False,
            missing=list(source.missing) if source else [], attachments=int(files.get(t.id, 0))))
    return out
