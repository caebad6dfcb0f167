"""Ticket queries: visibility by organisation scope (the rule lives in access.scope), filters, look-ups."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from access.scope import Scope
from core.errors import Conflict, NotFound
from models import DispatchPrecedent, OrgUnit, Ticket, TicketAssignment, TicketCaller
from workorders.dispatch_rules import Precedent, UnitFacts


def visible_clause(scope: Scope) -> ColumnElement[bool]:
    """Tickets a scope may see: all, its region, or those dispatched to its units (active assignment)."""
    if scope.everything:
        return true()
    if scope.region_prefix:
        return scope.region_clause(Ticket.region_code)
    assigned = select(TicketAssignment.ticket_id).where(
        TicketAssignment.active.is_(True), scope.unit_clause(TicketAssignment.unit_id))
    return Ticket.id.in_(assigned)


async def get_visible(session: AsyncSession, principal: Principal, ticket_id: int, *, lock: bool = False) -> Ticket:
    """The ticket if this principal may see it (else 404: existence is not revealed); optionally row-locked."""
    query = select(Ticket).where(Ticket.id == ticket_id, visible_clause(principal.scope))
    if lock:
        query = query.with_for_update(of=Ticket).execution_options(populate_existing=True)
    ticket = await session.scalar(query)
    if ticket is None:
        raise NotFound(f"工单 {ticket_id} 不存在 (ticket not found)")
    return ticket


async def lock_many(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> list[Ticket]:
    """Row-lock several visible tickets in id order (no deadlock between two merges)."""
    tickets = []
    for ticket_id in sorted(set(ids)):
        tickets.append(await get_visible(session, principal, ticket_id, lock=True))
    return tickets


@dataclass(frozen=True)
class TicketFilters:
    status: Sequence[str] = ()
    unit_id: int | None = None
    category: str | None = None
    region: str | None = None
    overdue: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    phone: str | None = None
    number: str | None = None
    excluded_ids: Sequence[int] = ()  # matched `q` only inside text this principal does not get


class TicketOrder(StrEnum):
    """Orders of a ticket list (each ends on the id, so paging is stable)."""

    NEWEST = "newest"  # created, newest first (the default)
    DISPATCH_DUE = "dispatch_due"  # the dispatch queue: nearest dispatch limit first
    NEAREST_DUE = "nearest_due"  # a unit's inbox: overdue ones first, then the nearest binding limit
    COMPLETED_OLDEST = "completed_oldest"  # the callback queue: completed longest ago first


ORDER_BY: dict[TicketOrder, tuple] = {
    TicketOrder.NEWEST: (Ticket.created_at.desc(), Ticket.id.desc()),
    TicketOrder.DISPATCH_DUE: (Ticket.dispatch_due_at.asc().nulls_last(), Ticket.id.asc()),
    TicketOrder.NEAREST_DUE: (Ticket.overdue.desc(), Ticket.next_due_at.asc().nulls_last(), Ticket.id.asc()),
    TicketOrder.COMPLETED_OLDEST: (Ticket.completed_at.asc().nulls_last(), Ticket.id.asc()),
}


def filtered_query(scope: Scope, filters: TicketFilters,
                   order: TicketOrder = TicketOrder.NEWEST) -> Select[tuple[Ticket]]:
    """Visible tickets matching every given filter, in the given order (newest first by default)."""
    query = select(Ticket).where(visible_clause(scope))
    conditions = _conditions(filters)
    if conditions:
        query = query.where(and_(*conditions))
    return query.order_by(*ORDER_BY[order])


def _conditions(f: TicketFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.status:
        conditions.append(Ticket.status.in_(list(f.status)))
    if f.unit_id is not None:
        conditions.append(Ticket.id.in_(select(TicketAssignment.ticket_id).where(
            TicketAssignment.unit_id == f.unit_id, TicketAssignment.active.is_(True))))
    if f.category:
        conditions.append(Ticket.category == f.category)
    if f.region:
        conditions.append(Ticket.region_code.startswith(f.region, autoescape=True))
    if f.overdue is not None:
        conditions.append(Ticket.overdue.is_(f.overdue))
    if f.created_from:
        conditions.append(Ticket.created_at >= f.created_from)
    if f.created_to:
        conditions.append(Ticket.created_at < f.created_to)
    if f.q:
        conditions.append(or_(Ticket.content.contains(f.q, autoescape=True),
                              Ticket.address.contains(f.q, autoescape=True)))
    if f.phone:
        conditions.append(Ticket.id.in_(select(TicketCaller.ticket_id).where(TicketCaller.phone == f.phone)))
    if f.number:
        conditions.append(Ticket.number == f.number)
    if f.excluded_ids:
        conditions.append(Ticket.id.not_in(list(f.excluded_ids)))
    return conditions


def with_hidden_callers(query: Select, *, every_caller: bool) -> Select:
    """Only the tickets having a caller hidden from units (any caller with every_caller: no personal:read)."""
    callers = select(TicketCaller.ticket_id)
    if not every_caller:
        callers = callers.where(TicketCaller.hidden_from_units.is_(True))
    return query.where(Ticket.id.in_(callers))


async def page(session: AsyncSession, query: Select, *, limit: int, offset: int) -> tuple[list[Ticket], int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.scalars(query.limit(limit).offset(offset))).all()
    return list(rows), int(total or 0)


async def callers_of(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, list[TicketCaller]]:
    result: dict[int, list[TicketCaller]] = {tid: [] for tid in ticket_ids}
    if ticket_ids:
        rows = await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id.in_(list(ticket_ids)))
                                     .order_by(TicketCaller.id))
        for caller in rows:
            result[caller.ticket_id].append(caller)
    return result


async def assignments_of(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, list[TicketAssignment]]:
    result: dict[int, list[TicketAssignment]] = {tid: [] for tid in ticket_ids}
    if ticket_ids:
        rows = await session.scalars(select(TicketAssignment)
                                     .where(TicketAssignment.ticket_id.in_(list(ticket_ids)))
                                     .order_by(TicketAssignment.id))
        for assignment in rows:
            result[assignment.ticket_id].append(assignment)
    return result


async def unit_names(session: AsyncSession) -> dict[int, str]:
    return dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).tuples().all())


async def unit_facts(session: AsyncSession) -> dict[int, UnitFacts]:
    """Every unit with its ancestor chain (the tree is small: load it whole)."""
    units = list((await session.scalars(select(OrgUnit))).all())
    parents = {u.id: u.parent_id for u in units}
    facts = {}
    for unit in units:
        chain, current = [], parents.get(unit.id)
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        facts[unit.id] = UnitFacts(id=unit.id, code=unit.code, name=unit.name, kind=unit.kind, level=unit.level,
                                   region_code=unit.region_code, domains=tuple(unit.domains or ()),
                                   oversight_unit_id=unit.oversight_unit_id, ancestor_ids=tuple(chain),
                                   active=unit.active)
    return facts


async def precedents_for(session: AsyncSession, region_code: str) -> list[Precedent]:
    """Precedents whose territory contains region_code."""
    prefixes = {region_code[:n] for n in (2, 4, 6, 9, 12) if len(region_code) >= n}  # every enclosing area
    rows = await session.scalars(select(DispatchPrecedent).where(DispatchPrecedent.region_prefix.in_(prefixes))
                                 .order_by(DispatchPrecedent.id.desc()))
    return [Precedent(id=r.id, domain=r.domain, region_prefix=r.region_prefix, keywords=tuple(r.keywords or ()),
                      lead_unit_id=r.lead_unit_id, co_unit_ids=tuple(r.co_unit_ids or ())) for r in rows]


async def active_assignments(session: AsyncSession, ticket_id: int) -> list[TicketAssignment]:
    return list((await session.scalars(select(TicketAssignment).where(
        TicketAssignment.ticket_id == ticket_id, TicketAssignment.active.is_(True)))).all())


def check_version(ticket: Ticket, expected: int | None) -> None:
    """Optimistic check requested by the client."""
    if expected is not None and expected != ticket.row_version:
        raise Conflict(f"工单已被他人修改（版本 {ticket.row_version}，期望 {expected}），请刷新后重试 "
                       "(the ticket changed since you loaded it)", code="stale_version")


async def number_and_status_by_digits(session: AsyncSession, digits: str) -> tuple[str, str] | None:
    """(number, status) of the ticket whose number's digits are `digits` (its number keyed on a
    phone, without the dashes), or None."""
    row = (await session.execute(select(Ticket.number, Ticket.status)
                                 .where(func.replace(Ticket.number, "-", "") == digits).limit(1))).first()
    return (row[0], row[1]) if row is not None else None
