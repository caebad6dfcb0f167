"""Per-person notifications of ticket events (issue #12): kept, so that someone offline sees them later.

Written by the ticket notifier (workorders.events) in the transaction of the ticket change, next
to the event's outbox row: a notification exists exactly when the change does.

The store (models.notification): one row per notification with the region of its role
recipients, its units and its roles as a few audience rows, and per person a read-through
mark (everything up to an id is read: "全部已读") plus single read marks above it. A unit of
hundreds of staff costs one audience row per event, not hundreds; "全部已读" costs one row.

Who sees a notification is decided as live delivery decides it (events.envelope.Audience.includes,
realtime.endpoints.desktop_view): the staff of a listed unit (the units concerned and the units
above them), and holders of a listed role within the region's scope (R-31). Another unit never.

Which events become notifications, and for which side (NOTIFIED_SIDES): those that ask someone
for a step — a unit is told to sign, that its extension was decided, the callback's result, a
reminder (催办); the hotline is told of a new ticket, a return, an extension request, a
completion awaiting callback, an overdue finding. The rest (signed, progress, closed) stay live
events only. A notification's audience is the event's, narrowed to those sides; never wider.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, false, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from access.principal import Principal
from core.errors import NotFound
from core.timeutil import utcnow
from events.envelope import Audience, data_for_audience
from models import (
    Notification,
    NotificationRead,
    NotificationReadThrough,
    NotificationRole,
    NotificationUnit,
    Ticket,
)
from workorders.dispatch_rules import UnitFacts

HOTLINE, UNITS = "hotline", "units"
NOTIFIED_SIDES: dict[str, frozenset[str]] = {
    "ticket.created": frozenset({HOTLINE}),
    "ticket.dispatched": frozenset({UNITS}),
    "ticket.returned": frozenset({HOTLINE}),
    "ticket.extension_requested": frozenset({HOTLINE}),
    "ticket.extension_decided": frozenset({UNITS}),
    "ticket.completed": frozenset({HOTLINE}),
    "ticket.callback_recorded": frozenset({UNITS}),
    "ticket.overdue": frozenset({HOTLINE}),  # the unit gets the reminder (催办) of the same finding
    "ticket.reminder": frozenset({UNITS}),
}
DEADLINES = ("dispatch_due_at", "sign_due_at", "handle_due_at")
UNREAD_CAP = 999  # the unread count stops here ("99+" on the bell): never a count over everything
KEEP = timedelta(days=90)  # older notifications are pruned by the scheduler pass


def notified_audience(type_: str, audience: Audience) -> Audience | None:
    """The event's audience narrowed to the sides told of type_, or None when nobody is."""
    sides = NOTIFIED_SIDES.get(type_, frozenset())
    narrowed = Audience(roles=list(audience.roles) if HOTLINE in sides else [],
                        regional=audience.regional, region_code=audience.region_code,
                        unit_ids=list(audience.unit_ids) if UNITS in sides else [])
    return narrowed if narrowed.roles or narrowed.unit_ids else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def record(session: AsyncSession, *, type_: str, data: dict[str, Any], audience: Audience, ticket: Ticket,
                 units: dict[int, UnitFacts]) -> Notification | None:
    """Keep the notification of one ticket event (in the caller's transaction); None if nobody is told."""
    if audience.all or audience.user_ids:
        raise ValueError("ticket notifications are addressed to units, roles and regions only")
    told = notified_audience(type_, audience)
    if told is None:
        return None

    def name(unit_id: Any) -> str | None:
        return units[unit_id].name if isinstance(unit_id, int) and unit_id in units else None

    kept = {**data_for_audience(data, told), "unit_name": name(data.get("unit_id")),
            "lead_unit_id": ticket.lead_unit_id, "lead_unit_name": name(ticket.lead_unit_id),
            **{due: _iso(getattr(ticket, due)) for due in DEADLINES if due not in data}}
    notification = Notification(type=type_, ticket_id=ticket.id, number=ticket.number, data=kept,
                                regional=told.regional, region_code=told.region_code, created_at=utcnow())
    session.add(notification)
    await session.flush()
    session.add_all([NotificationUnit(unit_id=u, notification_id=notification.id) for u in sorted(set(told.unit_ids))])
    session.add_all([NotificationRole(notification_id=notification.id, role=r) for r in sorted(set(told.roles))])
    await session.flush()
    return notification


# ---------------------------------------------------------------------------------------- reading

def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """The notifications this person gets: their unit's, or their role's within the region (R-31)."""
    unit = Notification.id.in_(select(NotificationUnit.notification_id)
                               .where(NotificationUnit.unit_id == principal.org_unit_id))
    role = exists().where(NotificationRole.notification_id == Notification.id, NotificationRole.role == principal.role)
    region = or_(Notification.regional.is_(False), principal.scope.region_clause(Notification.region_code))
    return or_(unit, and_(role, region))


async def read_through(session: AsyncSession, user_id: int) -> int:
    """The id up to which everything is read for this person (0: nothing yet)."""
    return await session.scalar(select(NotificationReadThrough.read_through_id)
                                .where(NotificationReadThrough.user_id == user_id)) or 0


def _unread_clause(user_id: int, through: int) -> ColumnElement[bool]:
    marked = exists().where(NotificationRead.user_id == user_id, NotificationRead.notification_id == Notification.id)
    return and_(Notification.id > through, ~marked)


async def page(session: AsyncSession, principal: Principal, *, unread_only: bool, before: int | None,
               limit: int) -> tuple[list[tuple[Notification, bool]], int | None]:
    """Newest first, below the id `before`: (notification, read) pairs and the `before` of the next page."""
    through = await read_through(session, principal.user_id)
    query = select(Notification).where(visible_clause(principal)).order_by(Notification.id.desc()).limit(limit + 1)
    if unread_only:
        query = query.where(_unread_clause(principal.user_id, through))
    if before is not None:
        query = query.where(Notification.id < before)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    marked = set((await session.scalars(select(NotificationRead.notification_id).where(
        NotificationRead.user_id == principal.user_id,
        NotificationRead.notification_id.in_([n.id for n in rows if n.id > through]) if rows else false()))).all())
    items = [(n, n.id <= through or n.id in marked) for n in rows]
    return items, (rows[-1].id if more else None)


async def unread_count(session: AsyncSession, principal: Principal, *, cap: int = UNREAD_CAP) -> int:
    """How many of this person's notifications are unread, counted up to cap."""
    through = await read_through(session, principal.user_id)
    unread = (select(Notification.id).where(visible_clause(principal), _unread_clause(principal.user_id, through))
              .limit(cap).subquery())
    return await session.scalar(select(func.count()).select_from(unread)) or 0


async def visible(session: AsyncSession, principal: Principal, notification_id: int) -> Notification:
    """One of this person's notifications, else NotFound (another's is as absent as a missing one)."""
    found = await session.scalar(select(Notification).where(Notification.id == notification_id,
                                                            visible_clause(principal)))
    if found is None:
        raise NotFound("通知不存在 (notification not found)")
    return found


def _insert(session: AsyncSession, model):
    """INSERT with ON CONFLICT support on both databases the platform runs on."""
    return (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(model)


async def mark_read(session: AsyncSession, principal: Principal, notification_id: int) -> Notification:
    """Mark one notification read for this person (again: no change); NotFound if it is not theirs."""
    notification = await visible(session, principal, notification_id)
    if notification.id > await read_through(session, principal.user_id):
        await session.execute(_insert(session, NotificationRead).values(
            user_id=principal.user_id, notification_id=notification.id, read_at=utcnow()).on_conflict_do_nothing())
    return notification


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    """Everything this person has now counts as read: one read-through mark; returns its id."""
    newest = await session.scalar(select(func.max(Notification.id)).where(visible_clause(principal))) or 0
    statement = _insert(session, NotificationReadThrough).values(user_id=principal.user_id, read_through_id=newest,
                                                                 updated_at=utcnow())
    table = NotificationReadThrough.__table__
    statement = statement.on_conflict_do_update(index_elements=[table.c.user_id], set_={
        "read_through_id": case((statement.excluded.read_through_id > table.c.read_through_id,
                                 statement.excluded.read_through_id), else_=table.c.read_through_id),
        "updated_at": statement.excluded.updated_at})
    await session.execute(statement)
    through = await read_through(session, principal.user_id)
    # the single marks below the new mark say nothing more
    await session.execute(delete(NotificationRead).where(NotificationRead.user_id == principal.user_id,
                                                         NotificationRead.notification_id <= through))
    return through


async def prune(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None,
                keep: timedelta = KEEP) -> int:
    """Delete notifications older than keep, with their audience rows and read marks; how many."""
    cutoff = (now or utcnow()) - keep
    async with sessionmaker() as session:
        old = select(Notification.id).where(Notification.created_at < cutoff)
        for child in (NotificationUnit, NotificationRole, NotificationRead):  # SQLite does not cascade by default
            await session.execute(delete(child).where(child.notification_id.in_(old)))
        result = await session.execute(delete(Notification).where(Notification.created_at < cutoff))
        await session.commit()
    return result.rowcount or 0
