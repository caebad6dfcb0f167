"""Formal interviews (约谈) of handling units (R-24, 第十八条/第十九条): the hotline's supervisors record
the date, the unit, who attended, what was found and what must follow; the unit reads its own.

Scope: the province centre sees every interview, a city or county centre those of units in its
region, a unit those of itself and the units below it — never another unit's.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field, model_validator
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from access.scope import CENTRE_KINDS
from audit.service import record
from core.errors import Forbidden, Unprocessable
from core.timeutil import BUSINESS_TZ
from core.types import Strict
from models import OrgUnit, SupervisionInterview, Ticket
from web.deps import SessionDep, require
from workorders import repository
from workorders.schemas import Id
from workorders.serialize import Viewer, redactor_for
from workorders.service import side_of
from workorders.state_machine import Side

router = APIRouter(prefix="/supervision/interviews", tags=["supervision"])
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
Dispatcher = Annotated[Principal, Depends(require(Permission.TICKET_DISPATCH))]
SUPERVISING = [Depends(require(Permission.STATS_READ))]  # with ticket:dispatch: supervisors and admins
EARLIEST = date(2000, 1, 1)
Attendee = Annotated[str, Field(min_length=1, max_length=100)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]


class InterviewIn(Strict):
    unit_id: Id
    held_on: date
    attendees: list[Attendee] = Field(min_length=1, max_length=50)
    findings: LongText
    follow_up: LongText
    follow_up_due: date | None = None
    ticket_ids: list[Id] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _dates(self):
        today = datetime.now(BUSINESS_TZ).date()
        if not EARLIEST <= self.held_on <= today:
            raise ValueError("held_on must be a past or today's date (Beijing), not before 2000")
        if self.follow_up_due is not None and not self.held_on <= self.follow_up_due <= today + timedelta(days=3660):
            raise ValueError("follow_up_due must be on or after held_on, within ten years")
        return self


def _out(interview: SupervisionInterview, unit_names: dict[int, str], ticket_ids: list[int], redact) -> dict:
    return {"id": interview.id, "unit_id": interview.unit_id, "unit_name": unit_names.get(interview.unit_id),
            "held_on": interview.held_on.isoformat(), "attendees": [redact(a) for a in interview.attendees],
            "findings": redact(interview.findings), "follow_up": redact(interview.follow_up),
            "follow_up_due": interview.follow_up_due.isoformat() if interview.follow_up_due else None,
            "ticket_ids": ticket_ids, "recorded_by": interview.recorded_by_username,
            "created_at": interview.created_at}


async def _visible_ticket_ids(session, principal: Principal, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set((await session.scalars(select(Ticket.id).where(
        Ticket.id.in_(ids), repository.visible_clause(principal.scope)))).all())


async def _redactor(session, principal: Principal, ticket_ids: list[int]):
    """Blank the names and numbers of the linked tickets' hidden callers for units (R-25)."""
    viewer = Viewer(side=side_of(principal), personal=principal.can(Permission.PERSONAL_DATA_READ))
    callers = [c for found in (await repository.callers_of(session, ticket_ids)).values() for c in found]
    return redactor_for(callers, viewer).text


@router.post("", status_code=201, dependencies=SUPERVISING)
async def record_interview(body: InterviewIn, session: SessionDep, principal: Dispatcher) -> dict:
    """Record a formal interview of a unit of one's region; the tickets that led to it must be visible (audited)."""
    if side_of(principal) is Side.UNIT:
        raise Forbidden("约谈由热线管理机构记录 (interviews are recorded by the hotline)")
    unit = await session.get(OrgUnit, body.unit_id)
    if unit is None or unit.kind in CENTRE_KINDS or not principal.scope.covers_org(unit.region_code, unit.id):
        raise Unprocessable(f"承办单位 {body.unit_id} 不存在或不在本级管理范围内 (unknown unit)")
    linked = sorted(set(body.ticket_ids))
    unknown = sorted(set(linked) - await _visible_ticket_ids(session, principal, linked))
    if unknown:
        raise Unprocessable(f"工单 {unknown} 不存在 (unknown tickets)")
    interview = SupervisionInterview(
        unit_id=unit.id, region_code=unit.region_code, held_on=body.held_on, attendees=list(body.attendees),
        findings=body.findings, follow_up=body.follow_up, follow_up_due=body.follow_up_due, ticket_ids=linked,
        recorded_by=principal.user_id, recorded_by_username=principal.username)
    session.add(interview)
    await session.flush()
    await record(session, action="supervision_interview_recorded", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="supervision_interview",
                 resource_id=interview.id, detail={"unit_id": unit.id, "held_on": body.held_on.isoformat()})
    return _out(interview, {unit.id: unit.name}, linked, lambda text: text)


@router.get("")
async def list_interviews(
    session: SessionDep, principal: Reader, unit_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    since: date | None = None, limit: int = Query(default=100, ge=1, le=500),
) -> list[dict]:
    """Interviews in one's scope, the latest first; a unit sees those of itself and the units below it."""
    query = (select(SupervisionInterview)
             .where(principal.scope.org_clause(SupervisionInterview.region_code, SupervisionInterview.unit_id))
             .order_by(SupervisionInterview.held_on.desc(), SupervisionInterview.id.desc()).limit(limit))
    if unit_id is not None:
        query = query.where(SupervisionInterview.unit_id == unit_id)
    if since is not None:
        query = query.where(SupervisionInterview.held_on >= since)
    interviews = list((await session.scalars(query)).all())
    linked = sorted({i for interview in interviews for i in interview.ticket_ids or []})
    visible = await _visible_ticket_ids(session, principal, linked)
    redact = await _redactor(session, principal, linked)
    names = await repository.unit_names(session)
    return [_out(interview, names, [i for i in interview.ticket_ids or [] if i in visible], redact)
            for interview in interviews]
