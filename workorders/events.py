"""Ticket events (issue #12): what happened to a ticket, told to the units and hotline staff concerned.

Each event is a typed model (TicketFacts and its subclasses) emitted on the request's or the
job's unit of work, so it is published after, and only if, the change commits. Every event
carries ticket_id, number, status, unit_id (the unit the step concerns: the acting unit, else
the lead unit), category and region_code; none carries a caller's identity or a free-text note
(R-25: what units may learn of a caller goes through the ticket's own access rules; the
outbox applies the same rule once more to anything addressed to units, realtime.messages.
data_for_audience).

Audience (ticket_audience): the hotline roles that work tickets (those holding ticket:dispatch:
admin, supervisor, agent) within the ticket's region (R-31), and the staff of the units
concerned — the lead and co-handling units and the units above them (hotline centres excluded:
their staff are reached by role and region).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from access.permissions import Permission, Role, has_permission
from access.scope import CENTRE_KINDS
from events.envelope import Audience
from events.unit_of_work import UnitOfWork
from models import Ticket
from workorders import notifications, repository
from workorders.dispatch_rules import UnitFacts
from workorders.state_machine import CLOSED_STATES, Action, Status

# the hotline roles told about every ticket of their region
HOTLINE_TICKET_ROLES = tuple(role.value for role in Role if has_permission(role, Permission.TICKET_DISPATCH))


class TicketFacts(BaseModel):
    """What every ticket event says."""

    type: ClassVar[str]
    ticket_id: int
    number: str
    status: str
    unit_id: int | None = None
    category: str
    region_code: str


class TicketCreated(TicketFacts):
    type = "ticket.created"
    channel: str


class TicketAccepted(TicketFacts):
    type = "ticket.accepted"  # 受理 from the intake queue (intake/): dispatch limit running, or closed at once
    channel: str
    outcome: str


class TicketDispatched(TicketFacts):
    type = "ticket.dispatched"
    lead_unit_id: int
    co_unit_ids: list[int]
    handle_due_at: datetime | None = None


class TicketSigned(TicketFacts):
    type = "ticket.signed"


class TicketReturned(TicketFacts):
    type = "ticket.returned"
    late: bool = False


class TicketExtensionRequested(TicketFacts):
    type = "ticket.extension_requested"
    days: int
    major: bool


class TicketExtensionDecided(TicketFacts):
    type = "ticket.extension_decided"
    approved: bool
    days: int | None = None
    handle_due_at: datetime | None = None


class TicketProgress(TicketFacts):
    type = "ticket.progress"
    kind: str


class TicketCompleted(TicketFacts):
    type = "ticket.completed"


class TicketCallbackRecorded(TicketFacts):
    type = "ticket.callback_recorded"
    result: str
    outcome: str | None = None  # the combined result once every caller answered
    waiting: int = 0  # callers of a merged ticket not yet called back


class TicketClosed(TicketFacts):
    type = "ticket.closed"
    how: str  # the closed status: closed, remark_closed, auto_closed, terminated


class TicketOverdue(TicketFacts):
    type = "ticket.overdue"
    kind: str  # the supervision finding: dispatch_overdue, sign_overdue …
    due_at: datetime


class TicketReminder(TicketFacts):
    type = "ticket.reminder"  # 催办 to the unit that missed a deadline
    kind: str
    due_at: datetime


TICKET_EVENT_TYPES = tuple(model.type for model in (
    TicketCreated, TicketAccepted, TicketDispatched, TicketSigned, TicketReturned, TicketExtensionRequested, TicketExtensionDecided,
    TicketProgress, TicketCompleted, TicketCallbackRecorded, TicketClosed, TicketOverdue, TicketReminder))


def audience_unit_ids(units: dict[int, UnitFacts], concerned: Iterable[int | None]) -> list[int]:
    """The concerned units and every unit above them, hotline centres left out."""
    found: set[int] = set()
    for unit_id in concerned:
        if unit_id is None or unit_id not in units:
            continue
        found.update(i for i in (unit_id, *units[unit_id].ancestor_ids)
                     if i in units and units[i].kind not in CENTRE_KINDS)
    return sorted(found)


def ticket_audience(ticket: Ticket, unit_ids: list[int]) -> Audience:
    """Hotline ticket roles within the ticket's region, and the staff of unit_ids."""
    return Audience(roles=list(HOTLINE_TICKET_ROLES), regional=True, region_code=ticket.region_code,
                    unit_ids=unit_ids)


class TicketNotifier:
    """Ticket events on a unit of work (published after its commit)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._units: dict[int, UnitFacts] | None = None

    def _facts(self, ticket: Ticket, unit_id: int | None) -> dict:
        return {"ticket_id": ticket.id, "number": ticket.number, "status": ticket.status,
                "unit_id": unit_id if unit_id is not None else ticket.lead_unit_id,
                "category": ticket.category, "region_code": ticket.region_code}

    async def _emit(self, event: TicketFacts, ticket: Ticket, *, also_units: Iterable[int | None] = (),
                    new: bool = False) -> None:
        session = self.uow.session
        # a ticket being created has no assignment yet: no query for them
        concerned = [] if new else [a.unit_id for a in await repository.active_assignments(session, ticket.id)]
        concerned += [ticket.lead_unit_id, *also_units]
        # the unit tree only when a unit is concerned or named (not for a new ticket, say: its
        # audience is the hotline's roles alone, and nothing in it names a unit)
        if self._units is None and any(u is not None for u in (*concerned, event.unit_id)):
            self._units = await repository.unit_facts(session)
        units = self._units or {}
        unit_ids = audience_unit_ids(units, concerned)
        audience, data = ticket_audience(ticket, unit_ids), event.model_dump(mode="json")
        self.uow.emit(event.type, data, audience=audience)
        # kept for whoever is offline, in the same transaction (workorders.notifications)
        await notifications.record(session, type_=event.type, data=data, audience=audience, ticket=ticket,
                                   units=units)

    async def ticket_created(self, ticket: Ticket) -> None:
        await self._emit(TicketCreated(**self._facts(ticket, None), channel=ticket.channel), ticket, new=True)

    async def ticket_accepted(self, ticket: Ticket, *, outcome: str) -> None:
        await self._emit(TicketAccepted(**self._facts(ticket, None), channel=ticket.channel, outcome=outcome), ticket)

    async def ticket_dispatched(self, ticket: Ticket, *, co_unit_ids: list[int]) -> None:
        await self._emit(TicketDispatched(**self._facts(ticket, ticket.lead_unit_id), lead_unit_id=ticket.lead_unit_id,
                                          co_unit_ids=co_unit_ids, handle_due_at=ticket.handle_due_at), ticket)

    async def ticket_signed(self, ticket: Ticket, *, unit_id: int | None) -> None:
        await self._emit(TicketSigned(**self._facts(ticket, unit_id)), ticket)

    async def ticket_returned(self, ticket: Ticket, *, unit_id: int | None, late: bool) -> None:
        # the assignments ended with the return: the returning unit is told all the same
        await self._emit(TicketReturned(**self._facts(ticket, unit_id), late=late), ticket, also_units=[unit_id])

    async def ticket_extension_requested(self, ticket: Ticket, *, unit_id: int | None, days: int, major: bool) -> None:
        await self._emit(TicketExtensionRequested(**self._facts(ticket, unit_id), days=days, major=major), ticket)

    async def ticket_extension_decided(self, ticket: Ticket, *, approved: bool, days: int | None) -> None:
        await self._emit(TicketExtensionDecided(**self._facts(ticket, None), approved=approved, days=days,
                                                handle_due_at=ticket.handle_due_at), ticket)

    async def ticket_progress(self, ticket: Ticket, *, unit_id: int | None, kind: str) -> None:
        await self._emit(TicketProgress(**self._facts(ticket, unit_id), kind=kind), ticket)

    async def ticket_completed(self, ticket: Ticket, *, unit_id: int | None) -> None:
        await self._emit(TicketCompleted(**self._facts(ticket, unit_id)), ticket)

    async def ticket_callback_recorded(self, ticket: Ticket, *, result: str, outcome: str | None,
                                       waiting: int) -> None:
        await self._emit(TicketCallbackRecorded(**self._facts(ticket, None), result=result, outcome=outcome,
                                                waiting=waiting), ticket)

    async def ticket_closed(self, ticket: Ticket) -> None:
        await self._emit(TicketClosed(**self._facts(ticket, None), how=ticket.status), ticket)

    async def ticket_overdue(self, ticket: Ticket, *, unit_id: int | None, kind: str, due_at: datetime) -> None:
        await self._emit(TicketOverdue(**self._facts(ticket, unit_id), kind=kind, due_at=due_at), ticket)

    async def ticket_reminder(self, ticket: Ticket, *, unit_id: int, kind: str, due_at: datetime) -> None:
        await self._emit(TicketReminder(**self._facts(ticket, unit_id), kind=kind, due_at=due_at), ticket)

    async def step_taken(self, ticket: Ticket, action: Action, *, before: str, unit_id: int | None,
                         detail: dict | None) -> None:
        """The events of one workflow step (workorders.actions.run): none for steps issue #12 does not
        name (dispute, screen, archive); ticket.closed too when the step closed the ticket."""
        detail = detail or {}
        if action is Action.DISPATCH:
            await self.ticket_dispatched(ticket, co_unit_ids=list(detail.get("co_unit_ids") or []))
        elif action is Action.SIGN:
            await self.ticket_signed(ticket, unit_id=unit_id)
        elif action is Action.RETURN:
            await self.ticket_returned(ticket, unit_id=unit_id, late=bool(detail.get("late")))
        elif action is Action.REQUEST_EXTENSION:
            await self.ticket_extension_requested(ticket, unit_id=unit_id, days=int(detail.get("days") or 0),
                                                  major=bool(detail.get("major")))
        elif action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
            await self.ticket_extension_decided(ticket, approved=action is Action.APPROVE_EXTENSION,
                                                days=detail.get("days"))
        elif action is Action.PROGRESS:
            await self.ticket_progress(ticket, unit_id=unit_id, kind=str(detail.get("kind")))
        elif action is Action.COMPLETE:
            await self.ticket_completed(ticket, unit_id=unit_id)
        elif action is Action.CALLBACK:
            await self.ticket_callback_recorded(ticket, result=str(detail.get("result")),
                                                outcome=detail.get("outcome"), waiting=int(detail.get("waiting") or 0))
        if Status(ticket.status) in CLOSED_STATES and before != ticket.status:
            await self.ticket_closed(ticket)
