"""Screen pop (弹屏) assembly: everything an agent should see the moment a call is offered.

The caller's number (masked for roles that may not see personal data), the IVR branch the
caller chose, earlier requests and calls from the number, the tickets still in progress with
their latest step (R-07: tell the progress instead of opening a duplicate) and the number's
warning or suspension (R-26); the endpoints audit the view (R-35). Plus the record that a
repeat caller was told the progress instead of getting a duplicate ticket.

Only calls the principal may see (calls.visibility): a seat (agent, expert) the calls it
takes part in, supervisors, admins and auditors those of their region (R-31, R-35); otherwise
any agent could walk the call ids and read every caller. A role without `personal:read`
(expert seats) gets the number masked and no look-ups by it (earlier calls, tickets): a
search by a caller's number is itself use of their personal data (R-35); the recording id
only reaches those who may hear the recording.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from acd.queues import QUEUES
from acd.store import AcdStore
from calls.visibility import may_hear, visible_call
from core.errors import Conflict
from core.masking import mask_phone
from core.timeutil import utcnow
from desktop.schemas import (
    BlockOut,
    CallerOut,
    PastCallOut,
    PopTicketOut,
    ProgressToldOut,
    ScreenPopOut,
    StepOut,
)
from models import BlockedCaller, Call, CallEvent, OrgUnit, Ticket, TicketCaller, User
from workorders import repository, service
from workorders.state_machine import OPEN_STATES, STATUS_LABELS, Status

HISTORY_LIMIT = 10
RECENT_DAYS = 30
MENU_LABELS = {"1": "按1 个人事项", "2": "按2 涉企事项", "3": "按3 查询工单进度", "0": "按0 人工服务",
               "timeout": "未按键", "invalid": "按键无效"}
CALL_OUTCOMES = {"answered": "已接听", "abandoned": "放弃", "ivr_ended": "自助结束", "blocked": "已拦截",
                 "transferred": "已转接", "emergency": "已转紧急"}


@dataclass(frozen=True)
class MenuWay:
    """What the caller chose in the voice menu and the queue it led to."""

    menu_choice: str | None
    queue: str | None
    urgent: bool


async def menu_way(acd: AcdStore, call: Call) -> MenuWay:
    """The record's menu choice and queue; for a live call whose record does not have them yet
    (the worker writes the record off the ring path, tens of milliseconds after the agent's
    phone rang), the ACD's entry for the call, which carries them from the queue entry on."""
    if call.menu_choice is None and call.ended_at is None:
        live = await acd.get_call(call.id)
        if live is not None:
            return MenuWay(live.menu_choice or None, live.queue or None, live.urgent)
    return MenuWay(call.menu_choice, call.queue, bool(call.urgent))


def ivr_path(way: MenuWay) -> list[str]:
    """The caller's way through the voice menu in words: ["按2 涉企事项"], ["未按键", "个人事项"]."""
    steps = [MENU_LABELS.get(way.menu_choice, f"按{way.menu_choice}")] if way.menu_choice else []
    queue = QUEUES[way.queue].display_name if way.queue in QUEUES else way.queue
    if queue and not any(queue in step for step in steps):
        steps.append(queue)
    if way.urgent:
        steps.append("紧急")
    return steps


def caller_view(principal: Principal, number: str) -> CallerOut:
    """The number as this principal may see it; withheld numbers are never usable."""
    usable = bool(number) and number.lstrip("+").isdigit()
    if not usable:
        return CallerOut(number=number or "未知号码", masked=False, usable=False)
    if principal.can(Permission.PERSONAL_DATA_READ):
        return CallerOut(number=number, masked=False, usable=True)
    return CallerOut(number=mask_phone(number), masked=True, usable=False)


async def block_status(session: AsyncSession, number: str, now: datetime) -> BlockOut:
    """R-26: warned or suspended (an expired suspension no longer counts)."""
    row = await session.scalar(select(BlockedCaller).where(BlockedCaller.number == number))
    if row is None or (row.until is not None and row.until <= now):
        return BlockOut(status="none")
    return BlockOut(status=row.status, reason=row.reason, until=row.until)


async def _tickets_of(session: AsyncSession, principal: Principal, number: str) -> list[Ticket]:
    by_phone = select(TicketCaller.ticket_id).where(TicketCaller.phone == number)
    query = (select(Ticket).where(Ticket.id.in_(by_phone), repository.visible_clause(principal.scope))
             .order_by(Ticket.created_at.desc()).limit(50))
    return list((await session.scalars(query)).all())


def _pop_ticket(ticket: Ticket, units: dict[int, str], step=None) -> PopTicketOut:
    return PopTicketOut(
        id=ticket.id, number=ticket.number, status=ticket.status, status_label=STATUS_LABELS[Status(ticket.status)],
        category=ticket.category, content=ticket.content[:200], created_at=ticket.created_at,
        unit_name=units.get(ticket.lead_unit_id) if ticket.lead_unit_id else None, overdue=ticket.overdue,
        handle_due_at=ticket.handle_due_at,
        progress=StepOut(at=step.at, action=step.action, text=step.note or STATUS_LABELS[Status(ticket.status)])
        if step else None)


async def _unit_names(session: AsyncSession, tickets: list[Ticket]) -> dict[int, str]:
    ids = {t.lead_unit_id for t in tickets if t.lead_unit_id}
    if not ids:
        return {}
    return dict((await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))).all())


async def _past_calls(session: AsyncSession, call: Call, since: datetime) -> tuple[list[PastCallOut], int]:
    same = (Call.caller_number == call.caller_number, Call.id != call.id)
    recent = await session.scalar(select(func.count()).select_from(Call).where(*same, Call.started_at >= since))
    rows = (await session.execute(
        select(Call, User.display_name).outerjoin(User, User.id == Call.agent_id).where(*same)
        .order_by(Call.started_at.desc()).limit(HISTORY_LIMIT))).all()
    return [PastCallOut(id=c.id, started_at=c.started_at, agent=name, status=c.disposition or c.phase,
                        outcome_label=CALL_OUTCOMES.get(c.disposition or "", "进行中" if c.phase != "ended" else ""),
                        duration_seconds=(c.ended_at - c.answered_at).total_seconds()
                        if c.answered_at and c.ended_at else None, ticket_number=c.ticket_number)
            for c, name in rows], int(recent or 0)


async def screen_pop(session: AsyncSession, acd: AcdStore, *, principal: Principal, call_id: int) -> ScreenPopOut:
    """Everything the desk shows for call_id (NotFound for an unknown call or one not the principal's)."""
    call = await visible_call(session, principal, call_id, acd)
    now = utcnow()
    caller = caller_view(principal, call.caller_number)
    hearable = call.recording_id is not None and await may_hear(session, principal, call)
    way = await menu_way(acd, call)
    pop = ScreenPopOut(call_id=call.id, caller=caller, ivr_path=ivr_path(way), queue=way.queue,
                       enterprise=way.queue == "enterprise", recording_id=call.recording_id if hearable else None,
                       block=await block_status(session, call.caller_number, now))
    if not caller.usable:
        return pop  # withheld number, or a role that may not use it: nothing to look up by it
    pop.calls, pop.calls_30d = await _past_calls(session, call, now - timedelta(days=RECENT_DAYS))
    tickets = await _tickets_of(session, principal, call.caller_number)
    open_ids = [t.id for t in tickets if Status(t.status) in OPEN_STATES]
    steps = await service.last_events(session, open_ids)
    units = await _unit_names(session, tickets)
    pop.open_tickets = [_pop_ticket(t, units, steps.get(t.id)) for t in tickets if t.id in open_ids]
    pop.history = [_pop_ticket(t, units) for t in tickets if t.id not in open_ids][:HISTORY_LIMIT]
    return pop


async def tell_progress(session: AsyncSession, acd: AcdStore, *, principal: Principal, call_id: int,
                        ticket_id: int) -> ProgressToldOut:
    """R-07: the caller's open ticket's progress was told on this call instead of a new ticket;
    recorded on the call (call_events) - Conflict unless the ticket is this caller's and open."""
    call = await visible_call(session, principal, call_id, acd)
    ticket = await repository.get_visible(session, principal, ticket_id)
    phones = set((await session.scalars(select(TicketCaller.phone).where(TicketCaller.ticket_id == ticket.id))).all())
    if call.caller_number not in phones:
        raise Conflict("该工单不是本来电人的诉求 (ticket is not this caller's)")
    if Status(ticket.status) not in OPEN_STATES:
        raise Conflict("该工单已办结，无需告知进度 (ticket is no longer open)")
    event = CallEvent(call_id=call.id, type="progress_told", actor_id=principal.user_id,
                      detail={"ticket_id": ticket.id, "ticket_number": ticket.number, "status": ticket.status})
    session.add(event)
    await session.flush()
    return ProgressToldOut(call_id=call.id, ticket_id=ticket.id, ticket_number=ticket.number,
                           status_label=STATUS_LABELS[Status(ticket.status)], at=event.at)
