"""Work-order operations: acceptance, numbering, merging, look-ups. Services flush; the unit of work commits."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from access.principal import Principal
from audit.service import record
from core.errors import Conflict, DomainError, Unprocessable
from core.settings import Settings
from core.timeutil import business_time, utcnow
from models import OrgUnit, Region, Ticket, TicketAssignment, TicketCaller, TicketEvent, TicketSequence
from organisation.units_data import DOMAIN_NAMES
from workorders import deadlines, repository, similarity
from workorders.dispatch_rules import area_prefix
from workorders.events import TicketNotifier
from workorders.intake import hidden_from_units, initial_status, missing_elements
from workorders.schemas import TicketCreate
from workorders.serialize import Viewer, redactor_for
from workorders.state_machine import OPEN_STATES, Action, IllegalTransition, Side, Status, transition
from worktime.service import active_version_name, get_calendar, policy_by_version

CLOCK_SKEW = timedelta(minutes=5)
MAX_HANDOVER_AGE = timedelta(days=366)


def side_of(principal: Principal) -> Side:
    """Handling-unit staff act for the unit side; centre staff (and admins) for the hotline."""
    return Side.UNIT if principal.scope.is_unit_scope else Side.HOTLINE


async def add_event(session: AsyncSession, ticket: Ticket, *, action: str, side: Side, actor: Principal | None,
                    from_status: str | None, to_status: str | None, note: str | None = None,
                    unit_id: int | None = None, detail: dict | None = None, at: datetime | None = None) -> None:
    """One history row and one audit row for a step (R-35: every change audited)."""
    session.add(TicketEvent(ticket_id=ticket.id, at=at or utcnow(), action=action, side=side.value,
                            actor_id=actor.user_id if actor else None,
                            actor_username=actor.username if actor else "scheduler", unit_id=unit_id,
                            from_status=from_status, to_status=to_status, note=note, detail=detail or {}))
    await record(session, action=f"ticket_{action}", actor_id=actor.user_id if actor else None,
                 actor_username=actor.username if actor else "scheduler", resource_type="ticket",
                 resource_id=ticket.id, detail={"number": ticket.number, "from": from_status, "to": to_status,
                                                **(detail or {})})


class Unavailable(DomainError):
    status_code = 503
    code = "unavailable"


async def next_number(session: AsyncSession, side_engine: AsyncEngine, region_code: str, moment: datetime) -> str:
    """region + date + sequence; the counter row is bumped atomically (INSERT … ON CONFLICT … RETURNING).

    On PostgreSQL the bump is its own short transaction on side_engine (Resources.side_engine:
    a small pool of its own, so it never waits on the request pool), so the counter row of a region and
    day is locked for one statement, not for the whole creation, and creations do not queue
    behind each other (a creation that fails afterwards leaves a gap; numbers never repeat).
    SQLite (one process, one writer) bumps it inside the request's transaction.
    """
    region, day = region_code[:4], business_time(moment).strftime("%Y%m%d")
    postgres = session.bind.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    statement = (insert(TicketSequence).values(region=region, day=day, last=1)
                 .on_conflict_do_update(index_elements=["region", "day"], set_={"last": TicketSequence.last + 1})
                 .returning(TicketSequence.last))
    if postgres:
        try:
            async with side_engine.begin() as connection:
                sequence = (await connection.execute(statement)).scalar_one()
        except PoolTimeout:
            raise Unavailable("系统繁忙，请稍后重试 (busy: no database connection for the ticket number)") from None
    else:
        sequence = (await session.execute(statement)).scalar_one()
    return f"{region}-{day}-{sequence:06d}"


def _check_elements(body: TicketCreate) -> None:
    values = {"caller.phone": body.caller.phone, "content": body.content, "category": body.category,
              "occurred_at": body.occurred_at, "address": body.address}
    missing = missing_elements(values, disposition=body.disposition.kind if body.disposition else None)
    if missing:
        raise Unprocessable("受理要素不全 (R-05 required elements missing): " + ", ".join(missing),
                            code="missing_elements", detail={"missing": missing})
    if body.disposition and body.direct_answer:
        raise Unprocessable("不予受理与直接答复不能同时填写 (disposition and direct_answer exclude each other)")


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _check_times(body: TicketCreate, now: datetime) -> datetime:
    for moment in (body.occurred_at, body.received_at):
        try:
            sane = moment is None or moment.astimezone(UTC) >= EARLIEST
        except OverflowError:
            sane = False
        if not sane:
            raise Unprocessable("时间超出合理范围 (a time is before 1900 or out of range)")
    received = body.received_at or now
    if received > now + CLOCK_SKEW or received < now - MAX_HANDOVER_AGE:
        raise Unprocessable("受理时间不合理 (received_at must not be in the future nor over a year old)")
    if body.occurred_at and body.occurred_at > now + CLOCK_SKEW:
        raise Unprocessable("事发时间不能晚于当前时间 (occurred_at is in the future)")
    return received


_known_regions: set[str] = set()  # reference data without a write API: positive look-ups are cached


async def _region_exists(session: AsyncSession, code: str) -> bool:
    if code not in _known_regions and await session.get(Region, code) is not None:
        _known_regions.add(code)
    return code in _known_regions


async def _check_references(session: AsyncSession, body: TicketCreate) -> None:
    if not await _region_exists(session, body.region_code):
        raise Unprocessable(f"行政区划 {body.region_code} 不存在 (unknown region_code)", code="unknown_region")
    if body.domain is not None and body.domain not in DOMAIN_NAMES:
        raise Unprocessable(f"未知的职责领域 {body.domain} (unknown domain)", code="unknown_domain")
    if body.complained_unit_id is not None:
        if body.category not in ("complaint", "report"):
            raise Unprocessable("只有投诉、举报可以指定被投诉单位 (complained_unit_id needs a complaint or report)")
        if await session.get(OrgUnit, body.complained_unit_id) is None:
            raise Unprocessable(f"被投诉单位 {body.complained_unit_id} 不存在 (unknown complained unit)")


async def create_ticket(session: AsyncSession, redis: Redis, settings: Settings, *, side_engine: AsyncEngine,
                        principal: Principal,
                        body: TicketCreate, now: datetime | None = None,
                        notifier: TicketNotifier | None = None) -> tuple[Ticket, TicketCaller]:
    """Accept a request: validate R-05, time it under the active policy, number it, record it
    (and, with a notifier, announce it: ticket.created, ticket.closed for one closed at once)."""
    now = now or utcnow()
    _check_elements(body)
    received = _check_times(body, now)
    await _check_references(session, body)
    policy_version = await active_version_name(session, redis)
    status = initial_status(disposition=body.disposition.kind if body.disposition else None,
                            direct_answer=body.direct_answer.answer if body.direct_answer else None)
    ticket = Ticket(
        number=await next_number(session, side_engine, body.region_code, now), status=status.value,
        channel=body.channel.value,
        category=body.category.value, domain=body.domain, enterprise_related=body.enterprise_related,
        special=body.special.value, content=body.content, address=body.address, region_code=body.region_code,
        occurred_at=body.occurred_at, received_at=received, created_at=now, created_by_id=principal.user_id,
        call_id=None if body.call_id is None else str(body.call_id), policy_version=policy_version,
        complained_unit_id=body.complained_unit_id, row_version=1, overdue=False, overdue_kinds=[], extra={},
        disposition=body.disposition.kind.value if body.disposition else None,
        disposition_note=body.disposition.note if body.disposition else None,
        direct_answer=body.direct_answer.answer if body.direct_answer else None)
    if status is Status.PENDING_DISPATCH:
        await _time_acceptance(session, redis, settings, ticket, received, now)
    else:
        ticket.closed_at = now
    session.add(ticket)
    await session.flush()
    caller = TicketCaller(ticket_id=ticket.id, name=body.caller.name, phone=body.caller.phone,
                          confidential=body.caller.confidential, source_ticket_id=ticket.id,
                          hidden_from_units=hidden_from_units(category=ticket.category,
                                                              confidential=body.caller.confidential))
    session.add(caller)
    await add_event(session, ticket, action="create", side=Side.HOTLINE, actor=principal, from_status=None,
                    to_status=ticket.status, note=ticket.disposition_note or ticket.direct_answer,
                    detail={"channel": ticket.channel, "category": ticket.category, "policy": ticket.policy_version},
                    at=now)
    await session.flush()
    if notifier is not None:
        await notifier.ticket_created(ticket)
        if status is not Status.PENDING_DISPATCH:  # closed at acceptance
            await notifier.ticket_closed(ticket)
    return ticket, caller


async def _time_acceptance(session, redis, settings, ticket: Ticket, received: datetime, now: datetime) -> None:
    policy = await policy_by_version(session, ticket.policy_version)
    calendar = await get_calendar(session, redis, settings)
    timed = deadlines.at_acceptance(policy, calendar, received)
    for name, due in timed.due.items():
        setattr(ticket, name, due)
    ticket.calendar_provisional = timed.provisional
    refresh_overdue(ticket, now)


def refresh_overdue(ticket: Ticket, now: datetime, *, flag_new: bool = False) -> deadlines.OverdueState:
    """Recompute the binding deadlines after a step (or a scheduler pass with flag_new)."""
    active = deadlines.active_deadlines(
        ticket.status, {name: getattr(ticket, name) for name in deadlines.DEADLINE_FIELDS},
        first_responded=ticket.first_responded_at is not None, progress_reported=ticket.last_progress_at is not None)
    state = deadlines.overdue_state(active, ticket.overdue_kinds or [], now, flag_new=flag_new)
    ticket.overdue_kinds = list(state.kinds)
    ticket.overdue = bool(state.kinds)
    ticket.next_due_at = state.next_due_at
    return state


# --- merging duplicates (并单, R-07) -----------------------------------------------------------


async def merge(session: AsyncSession, *, principal: Principal, ticket_id: int, duplicate_ids: list[int],
                note: str | None) -> Ticket:
    """Fold duplicates into one ticket: every caller moves over (one handling, everyone called back)."""
    if ticket_id in duplicate_ids:
        raise Unprocessable("不能与自身并单 (a ticket cannot be merged into itself)")
    locked = {t.id: t for t in await repository.lock_many(session, principal, [ticket_id, *duplicate_ids])}
    primary = locked[ticket_id]
    if primary.status not in OPEN_STATES or primary.status in (Status.COMPLETED, Status.NO_EVALUATION):
        raise Conflict(f"主工单状态为 {primary.status}，不能并单 (the primary ticket must still be in handling)")
    for duplicate in (locked[i] for i in sorted(set(duplicate_ids))):
        await _fold(session, principal, primary, duplicate, note)
    primary.row_version += 1
    await add_event(session, primary, action="merge", side=Side.HOTLINE, actor=principal, from_status=primary.status,
                    to_status=primary.status, note=note, detail={"merged": sorted(set(duplicate_ids))})
    return primary


async def _fold(session, principal, primary: Ticket, duplicate: Ticket, note: str | None) -> None:
    try:
        target = transition(duplicate.status, Action.MERGE, Side.HOTLINE)
    except IllegalTransition as error:
        raise Conflict(f"工单 {duplicate.number}: {error.message}", code="illegal_transition") from None
    callers = (await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id == duplicate.id))).all()
    for caller in callers:  # a hidden caller stays hidden; one joining a report becomes a reporter
        caller.ticket_id = primary.id
        caller.hidden_from_units = hidden_from_units(category=primary.category, confidential=caller.hidden_from_units)
    for assignment in await repository.active_assignments(session, duplicate.id):
        assignment.active, assignment.ended_at = False, utcnow()
    before = duplicate.status
    duplicate.status, duplicate.merged_into_id = target.value, primary.id
    duplicate.row_version += 1
    refresh_overdue(duplicate, utcnow())
    await add_event(session, duplicate, action="merged_into", side=Side.HOTLINE, actor=principal, from_status=before,
                    to_status=target.value, note=note, detail={"into": primary.id, "into_number": primary.number})


# --- searching without an oracle (R-25) ---------------------------------------------------------


async def without_hidden_matches(session: AsyncSession, principal: Principal, viewer: Viewer,
                                 filters: repository.TicketFilters) -> repository.TicketFilters:
    """Leave out tickets that match `q` only where a hidden caller's name or number was blanked.

    A unit searching the content for a name it suspects would otherwise learn, from the ticket
    being found, what the answer did not show it: who reported the matter.
    """
    if not filters.q or (viewer.side is Side.HOTLINE and viewer.personal):
        return filters
    query = repository.with_hidden_callers(repository.filtered_query(principal.scope, filters),
                                           every_caller=not viewer.personal)
    rows = (await session.execute(query.with_only_columns(Ticket.id, Ticket.content, Ticket.address))).all()
    callers = await repository.callers_of(session, [row.id for row in rows])
    wanted, excluded = filters.q.casefold(), []  # casefold: SQLite's LIKE ignores ASCII case, PostgreSQL's does not
    for row in rows:
        redactor = redactor_for(callers[row.id], viewer)
        if not any(wanted in (redactor.text(text) or "").casefold() for text in (row.content, row.address)):
            excluded.append(row.id)
    return dataclasses.replace(filters, excluded_ids=excluded) if excluded else filters


# --- look-ups while a ticket is being entered ------------------------------------------------


@dataclass(frozen=True)
class DuplicateHit:
    ticket: Ticket
    match: similarity.Match


async def find_duplicates(session: AsyncSession, settings: Settings, *, principal: Principal, content: str,
                          region_code: str, address: str | None, days: int | None = None,
                          now: datetime | None = None) -> list[DuplicateHit]:
    """Recent tickets of the same county (or finer area) with similar content and address."""
    now = now or utcnow()
    since = now - timedelta(days=days or settings.workorders.ticket_duplicate_window_days)
    area = area_prefix(region_code)
    query = (select(Ticket).where(repository.visible_clause(principal.scope), Ticket.created_at >= since,
                                  Ticket.region_code.startswith(area, autoescape=True),
                                  Ticket.status.in_([s.value for s in OPEN_STATES]))
             .order_by(Ticket.created_at.desc()).limit(500))
    recent = {t.id: t for t in (await session.scalars(query)).all()}
    candidates = [similarity.Candidate(t.id, t.content, t.address or "") for t in recent.values()]
    matches = similarity.rank_duplicates(content, address or "", candidates)
    return [DuplicateHit(recent[m.key], m) for m in matches]


async def open_by_phone(session: AsyncSession, *, principal: Principal, phone: str) -> list[Ticket]:
    """The caller's tickets still in progress (R-07: tell the progress instead of opening a new one)."""
    callers = select(TicketCaller.ticket_id).where(TicketCaller.phone == phone)
    query = (select(Ticket).where(Ticket.id.in_(callers), Ticket.status.in_([s.value for s in OPEN_STATES]),
                                  repository.visible_clause(principal.scope))
             .order_by(Ticket.created_at.desc()).limit(50))
    return list((await session.scalars(query)).all())


async def last_events(session: AsyncSession, ticket_ids: list[int]) -> dict[int, TicketEvent]:
    """The latest history row of each ticket (the progress told to a repeat caller)."""
    if not ticket_ids:
        return {}
    rows = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids))
                                  .order_by(TicketEvent.id))).all()
    return {row.ticket_id: row for row in rows}


async def history(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    return list((await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                       .order_by(TicketEvent.id))).all())


async def assignment_units(session: AsyncSession, ticket_id: int) -> list[TicketAssignment]:
    return await repository.active_assignments(session, ticket_id)
