"""The period reports' and scorecards' figures as SQL aggregates (GROUP BY in the database; a month of
a million-ticket table never travels to Python). Tickets count in the period they were CREATED in
(a cohort: the on-time rates are those of the period's tickets); returns and extensions in the period
they HAPPENED in; callback results in the period they were RECORDED in."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Interval, and_, case, distinct, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from models import OrgUnit, Region, Ticket, TicketCaller, TicketEvent, TicketTopic
from models.base import UtcDateTime

REPEAT_DAYS = 30  # a request repeats one the same caller made on the same topic within this many days


def _at(value: datetime) -> ColumnElement:
    return literal(value, UtcDateTime())


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _tickets(start: datetime, end: datetime, scope: Scope) -> list[ColumnElement[bool]]:
    return [Ticket.created_at >= _at(start), Ticket.created_at < _at(end), Ticket.merged_into_id.is_(None),
            scope.org_clause(Ticket.region_code, Ticket.lead_unit_id)]


async def summary(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, int]:
    row = (await session.execute(select(
        func.count().label("tickets"), _count(Ticket.enterprise_related.is_(True)).label("enterprise_related"),
        _count(Ticket.status == "direct_answered").label("direct_answered"),
        _count(Ticket.status == "out_of_scope").label("out_of_scope"),
        _count(Ticket.dispatched_at.is_not(None)).label("dispatched"),
    ).where(*_tickets(start, end, scope)))).one()
    return {k: int(v) for k, v in row._mapping.items()}


async def by_column(session: AsyncSession, column, start: datetime, end: datetime,
                    scope: Scope) -> list[tuple[str | None, int, int]]:
    """(key, tickets, of which 涉企) per value of a ticket column, largest first."""
    n = func.count().label("n")
    rows = await session.execute(select(column, n, _count(Ticket.enterprise_related.is_(True)))
                                 .where(*_tickets(start, end, scope)).group_by(column).order_by(n.desc(), column))
    return [(key, int(count), int(enterprise)) for key, count, enterprise in rows]


async def by_city(session: AsyncSession, start: datetime, end: datetime,
                  scope: Scope) -> list[tuple[str, str, int, int]]:
    """(city code, name, tickets, 涉企) per city (市州: the first four digits + 00)."""
    city = func.substr(Ticket.region_code, 1, 4).label("city")
    n = func.count().label("n")
    inner = (select(city, n, _count(Ticket.enterprise_related.is_(True)).label("ent"))
             .where(*_tickets(start, end, scope)).group_by(city)).subquery()
    rows = await session.execute(select(inner.c.city, Region.name, inner.c.n, inner.c.ent)
                                 .outerjoin(Region, Region.code == inner.c.city + "00")
                                 .order_by(inner.c.n.desc(), inner.c.city))
    return [(f"{code}00", name or f"{code}00", int(count), int(ent)) for code, name, count, ent in rows]


async def dispatch_on_time(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, int]:
    """The hotline's own step: dispatched tickets and those dispatched by their limit."""
    row = (await session.execute(select(
        _count(Ticket.dispatched_at.is_not(None)).label("done"),
        _count(and_(Ticket.dispatched_at.is_not(None), Ticket.dispatch_due_at.is_not(None),
                    Ticket.dispatched_at <= Ticket.dispatch_due_at)).label("on_time"),
    ).where(*_tickets(start, end, scope), Ticket.dispatch_due_at.is_not(None)))).one()
    return {"done": int(row.done), "on_time": int(row.on_time)}


def unit_step_columns() -> list[ColumnElement]:
    signed = Ticket.signed_at.is_not(None)
    completed = Ticket.completed_at.is_not(None)
    return [
        func.count().label("tickets"),
        _count(signed).label("signed"),
        _count(and_(signed, Ticket.sign_due_at.is_not(None), Ticket.signed_at <= Ticket.sign_due_at)).label("sign_on_time"),
        _count(completed).label("completed"),
        _count(and_(completed, Ticket.handle_due_at.is_not(None),
                    Ticket.completed_at <= Ticket.handle_due_at)).label("handle_on_time"),
        _count(Ticket.extended_days > 0).label("extended"),
    ]


async def unit_steps(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> list[dict]:
    """Per lead unit (主办单位): its tickets, signed / on time, completed / on time, extended."""
    inner = (select(Ticket.lead_unit_id.label("unit_id"), *unit_step_columns())
             .where(*_tickets(start, end, scope), Ticket.lead_unit_id.is_not(None))
             .group_by(Ticket.lead_unit_id)).subquery()
    rows = await session.execute(select(inner, OrgUnit.name, OrgUnit.region_code)
                                 .join(OrgUnit, OrgUnit.id == inner.c.unit_id).order_by(inner.c.tickets.desc(), OrgUnit.name))
    return [{k: (int(v) if isinstance(v, int) else v) for k, v in row._mapping.items()} for row in rows]


async def events_by_unit(session: AsyncSession, actions: tuple[str, ...], start: datetime, end: datetime,
                         scope: Scope) -> dict[tuple[int | None, str], int]:
    """(unit, action) → how many such steps happened in the period (returns, extension requests …)."""
    rows = await session.execute(
        select(TicketEvent.unit_id, TicketEvent.action, func.count())
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action.in_(actions), TicketEvent.at >= _at(start), TicketEvent.at < _at(end),
               scope.org_clause(Ticket.region_code, Ticket.lead_unit_id))
        .group_by(TicketEvent.unit_id, TicketEvent.action))
    return {(unit_id, action): int(n) for unit_id, action, n in rows}


async def unit_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))).tuples().all())


def _callbacks(start: datetime, end: datetime, scope: Scope) -> list[ColumnElement[bool]]:
    return [TicketCaller.callback_at >= _at(start), TicketCaller.callback_at < _at(end),
            TicketCaller.callback_result.is_not(None), scope.org_clause(Ticket.region_code, Ticket.lead_unit_id)]


async def satisfaction(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, dict[str, int]]:
    """Callback results recorded in the period: counted, and screened out (甄别剔除, left out of the rate)."""
    rows = await session.execute(
        select(TicketCaller.callback_result, Ticket.screened_out, func.count())
        .join(Ticket, Ticket.id == TicketCaller.ticket_id).where(*_callbacks(start, end, scope))
        .group_by(TicketCaller.callback_result, Ticket.screened_out))
    result: dict[str, dict[str, int]] = {"counted": {}, "screened_out": {}}
    for outcome, screened, n in rows:
        part = result["screened_out" if screened else "counted"]
        part[outcome] = part.get(outcome, 0) + int(n)
    return result


async def satisfaction_by(session: AsyncSession, key, start: datetime, end: datetime,
                          scope: Scope) -> dict[str, tuple[int, int]]:
    """key → (satisfied, evaluated) over callbacks of the period, screened-out results left out."""
    evaluated = TicketCaller.callback_result.in_(("satisfied", "dissatisfied_reasonable", "dissatisfied_unreasonable"))
    rows = await session.execute(
        select(key.label("k"), _count(TicketCaller.callback_result == "satisfied"), _count(evaluated))
        .join(Ticket, Ticket.id == TicketCaller.ticket_id)
        .where(*_callbacks(start, end, scope), Ticket.screened_out.is_(False)).group_by(key))
    return {k: (int(s), int(e)) for k, s, e in rows}


async def repeats_by(session: AsyncSession, key, start: datetime, end: datetime,
                     scope: Scope) -> dict[str, tuple[int, int]]:
    """key → (repeat requests, requests with a topic) among the period's tickets. A request repeats when
    its caller made one on the same topic in the REPEAT_DAYS before it: one scan of the period and the
    30 days before it, each caller's requests per topic in time order (lag), no per-ticket subquery."""
    window = timedelta(days=REPEAT_DAYS)
    previous = func.lag(Ticket.created_at).over(partition_by=(TicketCaller.phone, TicketTopic.topic),
                                                order_by=(Ticket.created_at, Ticket.id))
    rows = (select(key.label("k"), Ticket.id.label("id"), Ticket.created_at.label("created_at"),
                   previous.label("previous"))
            .join(TicketCaller, TicketCaller.ticket_id == Ticket.id)
            .join(TicketTopic, TicketTopic.ticket_id == Ticket.id)
            .where(Ticket.created_at >= _at(start - window), Ticket.created_at < _at(end), Ticket.merged_into_id.is_(None),
                   scope.org_clause(Ticket.region_code, Ticket.lead_unit_id))).subquery()
    repeat = and_(rows.c.previous.is_not(None),
                  rows.c.previous + literal(window, Interval()) >= rows.c.created_at)
    result = await session.execute(
        select(rows.c.k, func.count(distinct(case((repeat, rows.c.id)))), func.count(distinct(rows.c.id)))
        .where(rows.c.created_at >= _at(start)).group_by(rows.c.k))
    return {k: (int(r), int(n)) for k, r, n in result}


async def ticket_figures_by(session: AsyncSession, key, start: datetime, end: datetime,
                            scope: Scope) -> dict[str, dict[str, int]]:
    """key → the step counts of unit_step_columns plus dispatched and returned tickets."""
    returned = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "return")
    rows = await session.execute(
        select(key.label("k"), *unit_step_columns(), _count(Ticket.dispatched_at.is_not(None)).label("dispatched"),
               _count(returned).label("returned"))
        .where(*_tickets(start, end, scope)).group_by(key))
    return {row.k: {c: int(v) for c, v in row._mapping.items() if c != "k"} for row in rows}
