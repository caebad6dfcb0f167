"""Supervision (督办, R-24): overdue tickets per unit, findings and reminders (催办) with whether the
unit read them, reminders sent by hand, and units with repeated findings.

What a unit sees of supervision is its own: the findings and reminders addressed to its units
(never another unit's, even on a ticket they share as co-units), counted only for its units.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from access.scope import Scope
from core.errors import Conflict, Forbidden, NotFound
from core.timeutil import BUSINESS_TZ, utcnow
from core.types import Strict
from models import SupervisionInterview, SupervisionRead, SupervisionRecord, Ticket, User
from web.deps import IdPath, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders import repository
from workorders.events import TicketNotifier
from workorders.schemas import Id, Moment
from workorders.serialize import Viewer, redactor_for
from workorders.service import add_event, side_of
from workorders.state_machine import Side, Status

router = APIRouter(prefix="/supervision", tags=["supervision"])
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
StatsReader = Annotated[Principal, Depends(require(Permission.STATS_READ))]
Dispatcher = Annotated[Principal, Depends(require(Permission.TICKET_DISPATCH))]
# the hotline's supervisors (and admins): they dispatch and read the aggregate figures; agents do not
SUPERVISING = [Depends(require(Permission.STATS_READ))]
MANUAL_REMINDER = "reminder"  # a reminder (催办) a supervisor sent by hand: not a finding against the unit
FINDING_KINDS = ("overdue_dispatch", "overdue_sign", "overdue_handle", "overdue_first_response", "overdue_progress",
                 "late_return", "return", "return_refused", "dissatisfied")
RECORD_KINDS = (*FINDING_KINDS, MANUAL_REMINDER)
HANDLING = (Status.DISPATCHED.value, Status.IN_PROGRESS.value, Status.EXTENSION_REQUESTED.value)


def records_clause(scope: Scope):
    """Findings a scope may see: on tickets it sees and, for a unit, addressed to its own units (or the
    hotline's own, such as a late dispatch of its ticket) — never to another unit, even a co-unit."""
    clause = repository.visible_clause(scope)
    if scope.is_unit_scope:
        clause = and_(clause, or_(SupervisionRecord.unit_id.is_(None), scope.unit_clause(SupervisionRecord.unit_id)))
    return clause


@router.get("/overdue")
async def overdue_by_unit(session: SessionDep, principal: Reader,
                          limit: int = Query(default=200, ge=1, le=1000)) -> list[dict]:
    """Tickets overdue now, grouped by lead unit (none: the hotline has not dispatched in time)."""
    query = (select(Ticket).where(Ticket.overdue.is_(True), repository.visible_clause(principal.scope))
             .order_by(Ticket.lead_unit_id, Ticket.id).limit(limit))
    tickets = (await session.scalars(query)).all()
    names = await repository.unit_names(session)
    groups: dict[int | None, dict] = {}
    for t in tickets:
        group = groups.setdefault(t.lead_unit_id, {"unit_id": t.lead_unit_id, "unit_name": names.get(t.lead_unit_id),
                                                   "tickets": []})
        group["tickets"].append({"id": t.id, "number": t.number, "status": t.status, "overdue_kinds": t.overdue_kinds,
                                 "handle_due_at": t.handle_due_at, "sign_due_at": t.sign_due_at,
                                 "dispatch_due_at": t.dispatch_due_at})
    return list(groups.values())


def _counted(kinds_column):
    """Findings that count: a dissatisfaction screened out by 甄别 (R-21) does not, nor a reminder sent by hand."""
    return and_(kinds_column != MANUAL_REMINDER, or_(kinds_column != "dissatisfied", Ticket.screened_out.is_(False)))


@router.get("/units")
async def units_under_supervision(
    session: SessionDep, resources: ResourcesDep, principal: StatsReader,
    since: Moment | None = None, threshold: int | None = Query(default=None, ge=1, le=1000),
) -> list[dict]:
    """Units with repeated overdue, returns, refused push-backs or dissatisfaction since `since` (default 90 days).

    Each with its last formal interview (约谈) and the findings recorded after it: still repeating
    after an interview is what 第十九条 escalates to the government (`after_interview`)."""
    since = since or utcnow() - timedelta(days=90)
    threshold = threshold or resources.settings.workorders.supervision_repeat_threshold
    query = (select(SupervisionRecord.unit_id, SupervisionRecord.kind, func.count(SupervisionRecord.id))
             .join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
             .where(SupervisionRecord.unit_id.is_not(None), SupervisionRecord.created_at >= since,
                    records_clause(principal.scope), _counted(SupervisionRecord.kind))
             .group_by(SupervisionRecord.unit_id, SupervisionRecord.kind))
    counts: dict[int, dict[str, int]] = {}
    for unit_id, kind, count in (await session.execute(query)).tuples():
        counts.setdefault(unit_id, {})[_family(kind)] = counts.get(unit_id, {}).get(_family(kind), 0) + count
    names = await repository.unit_names(session)
    flagged = [{"unit_id": unit_id, "unit_name": names.get(unit_id), "counts": c,
                "reasons": sorted(k for k, n in c.items() if n >= threshold)}
               for unit_id, c in counts.items() if any(n >= threshold for n in c.values())]
    await _with_interviews(session, principal.scope, flagged)
    for unit in flagged:
        unit["escalate"] = unit["after_interview"] >= threshold  # 约谈后仍未见实效 (第十九条)
    return sorted(flagged, key=lambda u: (-sum(u["counts"].values()), u["unit_id"]))


async def _with_interviews(session: AsyncSession, scope: Scope, units: list[dict]) -> None:
    """Add each unit's last interview date and the counted findings recorded since that day."""
    ids = [u["unit_id"] for u in units]
    last = dict((await session.execute(
        select(SupervisionInterview.unit_id, func.max(SupervisionInterview.held_on))
        .where(SupervisionInterview.unit_id.in_(ids),
               scope.org_clause(SupervisionInterview.region_code, SupervisionInterview.unit_id))
        .group_by(SupervisionInterview.unit_id))).tuples().all()) if ids else {}
    for unit in units:
        held_on = last.get(unit["unit_id"])
        unit["last_interview_on"] = held_on.isoformat() if held_on else None
        unit["after_interview"] = 0
        if held_on is None:
            continue
        # findings from the day after the interview (Beijing days)
        start = datetime.combine(held_on + timedelta(days=1), time(0), tzinfo=BUSINESS_TZ)
        unit["after_interview"] = int(await session.scalar(
            select(func.count(SupervisionRecord.id)).join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
            .where(SupervisionRecord.unit_id == unit["unit_id"],
                   SupervisionRecord.created_at >= start,
                   records_clause(scope), _counted(SupervisionRecord.kind))) or 0)


def _family(kind: str) -> str:
    """overdue_* kinds count together as overdue; late returns are overdue too (R-13)."""
    return "overdue" if kind.startswith("overdue_") or kind == "late_return" else kind


@router.get("/records")
async def findings(
    session: SessionDep, principal: Reader, ticket_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    unit_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    kind: str | None = Query(default=None, pattern="^(" + "|".join(RECORD_KINDS) + ")$"),
    since: Moment | None = None, unread: bool | None = None, limit: int = Query(default=200, ge=1, le=1000),
) -> list[dict]:
    """Findings and reminders (催办) recorded by the scheduler, the workflow and supervisors, each with
    whether the unit it was sent to has read it (`read`: who, when; `unread=true`: reminders not yet read)."""
    query = (select(SupervisionRecord).join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
             .where(records_clause(principal.scope)).order_by(SupervisionRecord.id.desc()).limit(limit))
    has_read = select(SupervisionRead.record_id)
    conditions = [c for c in (
        SupervisionRecord.ticket_id == ticket_id if ticket_id else None,
        SupervisionRecord.unit_id == unit_id if unit_id else None,
        SupervisionRecord.kind == kind if kind else None,
        SupervisionRecord.created_at >= since if since else None,
        and_(SupervisionRecord.reminder.is_not(None), SupervisionRecord.unit_id.is_not(None),
             SupervisionRecord.id.not_in(has_read)) if unread else None) if c is not None]
    if conditions:
        query = query.where(and_(*conditions))
    return await records_out(session, principal, list((await session.scalars(query)).all()))


async def records_out(session: AsyncSession, principal: Principal, records: Sequence[SupervisionRecord]) -> list[dict]:
    """Records as the principal may read them: the unit's first reading of each reminder, and the
    texts with hidden callers' names and numbers blanked for units (R-25: a supervisor may have typed one)."""
    ids = [r.id for r in records]
    first_read: dict[int, dict] = {}
    if ids:
        rows = await session.execute(
            select(SupervisionRead, User.username, User.display_name).join(User, User.id == SupervisionRead.user_id)
            .where(SupervisionRead.record_id.in_(ids))
            .order_by(SupervisionRead.read_at, SupervisionRead.id))
        for read, username, display_name in rows.tuples():
            first_read.setdefault(read.record_id, {"at": read.read_at, "by": username, "by_name": display_name,
                                                   "unit_id": read.unit_id})
    viewer = Viewer(side=side_of(principal), personal=principal.can(Permission.PERSONAL_DATA_READ))
    ticket_ids = sorted({r.ticket_id for r in records})
    callers = await repository.callers_of(session, ticket_ids)
    numbers = dict((await session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ticket_ids))))
                   .tuples().all()) if ticket_ids else {}
    redactors = {ticket_id: redactor_for(found, viewer) for ticket_id, found in callers.items()}
    return [{"id": r.id, "ticket_id": r.ticket_id, "ticket_number": numbers.get(r.ticket_id), "unit_id": r.unit_id, "kind": r.kind, "due_at": r.due_at,
             "created_at": r.created_at, "reminder": redactors[r.ticket_id].text(r.reminder),
             "detail": redactors[r.ticket_id].deep(r.detail), "is_reminder": _is_reminder(r),
             "read": first_read.get(r.id)} for r in records]


def _is_reminder(record: SupervisionRecord) -> bool:
    """A reminder (催办) addressed to a unit, which the unit reads (the hotline's own findings are not)."""
    return record.reminder is not None and record.unit_id is not None


@router.post("/records/{record_id}/read")
async def mark_read(record_id: IdPath, session: SessionDep, principal: Reader) -> dict:
    """Someone of the unit a reminder was sent to (or of a unit above it) opened it: each person's first
    reading is kept (who, which unit, when); the earliest is when the unit read it. Again is harmless."""
    record = await session.scalar(select(SupervisionRecord).join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
                                  .where(SupervisionRecord.id == record_id, records_clause(principal.scope)))
    if record is None:
        raise NotFound(f"督办记录 {record_id} 不存在 (no such record)")
    if not _is_reminder(record):
        raise Conflict("该记录不是发给承办单位的催办 (not a reminder to a unit)", code="not_a_reminder")
    if not (principal.scope.is_unit_scope and principal.scope.covers_unit(record.unit_id)):
        raise Forbidden("只有被催办的单位才能标记已读 (only the unit reminded marks it read)")
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(SupervisionRead).values(record_id=record.id, user_id=principal.user_id,
                                                         unit_id=principal.org_unit_id, read_at=utcnow())
                          .on_conflict_do_nothing(index_elements=["record_id", "user_id"]))
    return (await records_out(session, principal, [record]))[0]


class ReminderIn(Strict):
    ticket_id: Id
    text: str = Field(min_length=2, max_length=500)


@router.post("/reminders", status_code=201, dependencies=SUPERVISING)
async def send_reminder(body: ReminderIn, session: SessionDep, uow: UnitOfWorkDep, principal: Dispatcher) -> dict:
    """A supervisor's reminder (催办) to the lead unit of a ticket in handling: recorded, on the ticket's
    history, and sent to the unit as ticket.reminder (after the commit)."""
    if side_of(principal) is Side.UNIT:
        raise Forbidden("催办由热线发出 (reminders are sent by the hotline)")
    ticket = await repository.get_visible(session, principal, body.ticket_id, lock=True)
    if ticket.status not in HANDLING or ticket.lead_unit_id is None:
        raise Conflict("工单不在承办单位办理中，无需催办 (the ticket is not with a unit)", code="not_in_handling")
    now = utcnow()
    record = SupervisionRecord(ticket_id=ticket.id, unit_id=ticket.lead_unit_id, kind=MANUAL_REMINDER, due_at=None,
                               created_at=now, reminder=body.text, detail={"by": principal.username})
    session.add(record)
    await session.flush()
    await add_event(session, ticket, action="remind", side=Side.HOTLINE, actor=principal, from_status=ticket.status,
                    to_status=ticket.status, note=body.text, unit_id=ticket.lead_unit_id,
                    detail={"record_id": record.id}, at=now)
    await TicketNotifier(uow).ticket_reminder(ticket, unit_id=ticket.lead_unit_id, kind=MANUAL_REMINDER,
                                              due_at=ticket.handle_due_at or ticket.sign_due_at or now)
    return (await records_out(session, principal, [record]))[0]



@router.get("/rates")
async def rates(
    session: SessionDep, principal: StatsReader, since: Moment | None = None,
    until: Moment | None = None,
) -> dict:
    """Direct-answer rate (R-06) and satisfaction rate (R-16), screened results left out (R-21)."""
    evaluated = Ticket.satisfaction.in_(["satisfied", "dissatisfied_reasonable", "dissatisfied_unreasonable"])
    counted = and_(evaluated, Ticket.screened_out.is_(False))
    query = select(
        func.count(Ticket.id),
        func.count(Ticket.id).filter(Ticket.direct_answer.is_not(None)),
        func.count(Ticket.id).filter(Ticket.disposition.is_not(None)),
        func.count(Ticket.id).filter(counted),
        func.count(Ticket.id).filter(and_(counted, Ticket.satisfaction == "satisfied")),
        func.count(Ticket.id).filter(and_(evaluated, Ticket.screened_out.is_(True))),
    ).where(repository.visible_clause(principal.scope), Ticket.status != "merged")
    if since:
        query = query.where(Ticket.created_at >= since)
    if until:
        query = query.where(Ticket.created_at < until)
    accepted, direct, out_of_scope, evaluated_n, satisfied, screened = (await session.execute(query)).one()
    return {"accepted": accepted, "direct_answered": direct, "out_of_scope": out_of_scope,
            "direct_answer_rate": round(direct / accepted, 4) if accepted else None,
            "evaluated": evaluated_n, "satisfied": satisfied, "screened_out": screened,
            "satisfaction_rate": round(satisfied / evaluated_n, 4) if evaluated_n else None}
