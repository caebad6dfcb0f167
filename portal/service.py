"""Tracking and evaluating a request on the portal: the ticket's public face, found by its number
and the phone it was submitted with (a wrong phone is the same 404 as a wrong number: no oracle)."""
from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from core.resources import Resources
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from intake.schemas import normalise_phone
from intake.service import channel_actor
from models import Ticket, TicketCaller, TicketEvent
from portal.schemas import EvaluationIn, PublicStep, TrackOut
from workorders import actions, repository
from workorders.events import TicketNotifier
from workorders.schemas import CallbackIn, Channel
from workorders.state_machine import Action, CallbackResult, Side, Status
from worktime.service import get_calendar, policy_by_version

S = Status
PUBLIC: dict[str, tuple[str, str]] = {
    S.PENDING_INTAKE: ("submitted", "已提交，等待受理"), S.PENDING_DISPATCH: ("accepted", "已受理"),
    S.RETURNED: ("accepted", "已受理"), S.DISPATCHED: ("dispatched", "已转办"),
    S.IN_PROGRESS: ("handling", "办理中"), S.EXTENSION_REQUESTED: ("handling", "办理中"),
    S.COMPLETED: ("replied", "已答复，待评价"), S.NO_EVALUATION: ("replied", "已答复"),
}
CLOSED = ("closed", "已办结")
STEP_LABELS = {"submitted": "提交诉求", "accepted": "受理", "dispatched": "转办至承办单位", "handling": "办理中",
               "replied": "答复", "closed": "办结"}
EVENT_STEPS = {"accept": "accepted", "dispatch": "dispatched", "sign": "handling", "complete": "replied"}
NOT_FOUND = "未找到该诉求，请核对编号和电话 (no request with this number and phone)"
MAX_HOPS = 5
EVALUATION_RESULTS = {"satisfied": CallbackResult.SATISFIED,
                      # the citizen's dissatisfaction sends it back to the unit (重办, R-18); a unit
                      # that thinks it unreasonable asks for screening (甄别, R-21)
                      "dissatisfied": CallbackResult.DISSATISFIED_REASONABLE}


def _same_phone(stored: str, given: str) -> bool:
    def norm(value: str) -> str:
        try:
            return normalise_phone(value)
        except ValueError:
            return value.strip()
    return bool(stored) and hmac.compare_digest(norm(stored).encode(), norm(given).encode())


async def find(session: AsyncSession, number: str, phone: str) -> tuple[Ticket, Ticket, TicketCaller]:
    """(the citizen's ticket, the one handling it — itself, or the ticket it was merged into, the caller)."""
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number.strip()))
    if ticket is None:
        raise NotFound(NOT_FOUND)
    callers = (await session.scalars(select(TicketCaller).where(TicketCaller.source_ticket_id == ticket.id)
                                     .order_by(TicketCaller.id))).all()
    caller = next((c for c in callers if _same_phone(c.phone, phone)), None)
    if caller is None:
        raise NotFound(NOT_FOUND)
    handling = ticket
    for _ in range(MAX_HOPS):
        if handling.status != S.MERGED or handling.merged_into_id is None:
            break
        handling = await session.get(Ticket, handling.merged_into_id)
    return ticket, handling, caller


def public_status(status: str) -> tuple[str, str]:
    return PUBLIC.get(status, CLOSED)


async def track(session: AsyncSession, number: str, phone: str) -> TrackOut:
    ticket, handling, caller = await find(session, number, phone)
    status, label = public_status(handling.status)
    events = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_({ticket.id, handling.id}))
                                    .order_by(TicketEvent.at, TicketEvent.id))).all()
    steps: dict[str, datetime] = {"submitted": ticket.received_at}
    for event in events:
        step = EVENT_STEPS.get(event.action)
        if event.action == "create" and event.to_status != S.PENDING_INTAKE:
            step = "accepted"
        if step and (step not in steps or step == "replied"):
            steps[step] = event.at
    if status == "closed" and handling.closed_at:
        steps["closed"] = handling.closed_at
    reply = None
    if status in ("replied", "closed"):
        reply = handling.reply or handling.direct_answer or handling.disposition_note
    current_round = caller.callback_round == handling.callback_round and caller.callback_result
    can_evaluate = handling.status in (S.COMPLETED, S.NO_EVALUATION) and (
        not current_round or handling.status == S.NO_EVALUATION and caller.callback_result == "no_evaluation")
    ordered = sorted(steps.items(), key=lambda item: item[1])
    return TrackOut(number=ticket.number, status=status, status_label=label, category=handling.category,
                    content=ticket.content, submitted_at=ticket.received_at,
                    steps=[PublicStep(step=s, label=STEP_LABELS[s], at=at) for s, at in ordered],
                    reply=reply, can_evaluate=bool(can_evaluate),
                    evaluation=caller.callback_result if caller.callback_round == handling.callback_round else None)


async def evaluate(uow: UnitOfWork, resources: Resources, number: str, body: EvaluationIn) -> TrackOut:
    """The citizen's evaluation of the reply, recorded as their callback (回访) with method `web`."""
    session = uow.session
    _, handling, caller = await find(session, number, body.phone)
    if handling.status not in (S.COMPLETED, S.NO_EVALUATION):
        raise Conflict("该诉求当前不能评价 (the request has no reply to evaluate now)", code="not_evaluable")
    if caller.callback_round == handling.callback_round and caller.callback_result \
            and caller.callback_result != CallbackResult.NO_EVALUATION:
        raise Conflict("您已评价过本次答复 (already evaluated)", code="already_evaluated")
    actor = channel_actor(Channel.WEB)
    ticket = await repository.get_visible(session, actor, handling.id, lock=True)
    now = utcnow()
    step = actions.Step(session=session, principal=actor, side=Side.HOTLINE, ticket=ticket,
                        policy=await policy_by_version(session, ticket.policy_version),
                        calendar=await get_calendar(session, resources.redis, resources.settings), now=now,
                        auto_close_working_days=resources.settings.workorders.ticket_auto_close_working_days,
                        notifier=TicketNotifier(uow))
    await actions.run(step, Action.CALLBACK, CallbackIn(result=EVALUATION_RESULTS[body.result], caller_id=caller.id,
                                                        method="web", note=body.comment))
    return await track(session, number, body.phone)
