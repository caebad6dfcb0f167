"""Workflow steps on a locked ticket: each validated by the state machine, timed, recorded, audited."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.errors import Conflict, Forbidden, Unprocessable
from models import DispatchPrecedent, SupervisionRecord, Ticket, TicketAssignment, TicketCaller
from organisation.units_data import DOMAIN_NAMES
from workorders import deadlines, dispatch_rules, repository, schemas, similarity
from workorders.events import TicketNotifier
from workorders.service import add_event, refresh_overdue, side_of
from workorders.state_machine import (
    CLOSED_STATES,
    Action,
    CallbackResult,
    IllegalTransition,
    Side,
    Status,
    combined_callback_result,
    transition,
)
from worktime import ExtensionRefused, TimeLimitPolicy, WorkingCalendar, check_extension_request
from worktime.service import get_calendar, policy_by_version

BODIES: dict[Action, type[schemas.ActionBase]] = {
    Action.DISPATCH: schemas.DispatchIn, Action.SIGN: schemas.PlainActionIn, Action.RETURN: schemas.ReturnIn,
    Action.REQUEST_EXTENSION: schemas.ExtensionIn, Action.APPROVE_EXTENSION: schemas.PlainActionIn,
    Action.REJECT_EXTENSION: schemas.PlainActionIn, Action.PROGRESS: schemas.ProgressIn,
    Action.COMPLETE: schemas.CompleteIn, Action.CALLBACK: schemas.CallbackIn, Action.TERMINATE: schemas.TerminateIn,
    Action.DISPUTE: schemas.DisputeIn, Action.SCREEN: schemas.ScreenIn, Action.ARCHIVE: schemas.PlainActionIn,
}
# unit-side steps that need the unit leader's approval authority
LEADER_ACTIONS = frozenset({Action.REQUEST_EXTENSION, Action.TERMINATE, Action.DISPUTE})
# unit-side steps a co-handling unit may take (the rest belong to the lead unit)
CO_ACTIONS = frozenset({Action.PROGRESS})


class OwnershipDecided(Conflict):
    """R-08/R-24: a unit tried to return a matter whose owner the hotline decided."""

    code = "ownership_decided"

    def __init__(self, message: str, *, ticket_id: int, unit_id: int | None) -> None:
        super().__init__(message)
        self.ticket_id, self.unit_id = ticket_id, unit_id


@dataclass
class Step:
    session: AsyncSession
    principal: Principal
    side: Side
    ticket: Ticket
    policy: TimeLimitPolicy
    calendar: WorkingCalendar
    now: datetime
    auto_close_working_days: int
    unit_id: int | None = None  # the unit a unit-side principal acts for
    target: Status | None = None
    detail: dict | None = None
    notifier: TicketNotifier | None = None  # ticket events, published after the commit


def required_permission(action: Action, side: Side) -> Permission:
    if side is Side.HOTLINE:
        return Permission.TICKET_DISPATCH
    return Permission.TICKET_APPROVE if action in LEADER_ACTIONS else Permission.TICKET_HANDLE


async def acting_unit(session: AsyncSession, principal: Principal, ticket: Ticket, action: Action) -> int:
    """The unit (lead, or co for CO_ACTIONS) this unit-side principal acts for, else 403."""
    for assignment in await repository.active_assignments(session, ticket.id):
        if principal.scope.covers_unit(assignment.unit_id) and (assignment.role == "lead" or action in CO_ACTIONS):
            return assignment.unit_id
    raise Forbidden("只有主办单位可以执行此操作 (only the lead unit may take this step)", code="not_lead_unit")


async def run(step: Step, action: Action, body: schemas.ActionBase) -> Ticket:
    """Check the transition, apply the action's effects, record history and audit."""
    ticket = step.ticket
    before = ticket.status
    try:
        step.target = _target(step, action, body)
    except IllegalTransition as error:
        raise Conflict(error.message, code="illegal_transition",
                       detail={"status": error.status, "action": error.action}) from None
    await HANDLERS[action](step, body)
    ticket.status = step.target.value
    ticket.row_version += 1
    refresh_overdue(ticket, step.now)
    await add_event(step.session, ticket, action=action.value, side=step.side, actor=step.principal,
                    from_status=before, to_status=ticket.status, note=body.note,
                    unit_id=step.unit_id or ticket.lead_unit_id, detail=step.detail, at=step.now)
    if step.notifier is not None:
        await step.notifier.step_taken(ticket, action, before=before, unit_id=step.unit_id, detail=step.detail)
    return ticket


def _target(step: Step, action: Action, body: schemas.ActionBase) -> Status:
    if action is Action.CALLBACK:  # outcome decided in the handler once every caller answered
        return transition(step.ticket.status, action, step.side, callback_result=body.result)
    if action is Action.SCREEN:
        return transition(step.ticket.status, action, step.side, screen_upheld=body.upheld,
                          resume_status=step.ticket.status_before_dispute)
    return transition(step.ticket.status, action, step.side)


# --- the steps ---------------------------------------------------------------------------------


async def _dispatch(step: Step, body: schemas.DispatchIn) -> None:
    ticket, session = step.ticket, step.session
    domain = body.domain or ticket.domain
    if domain is not None and domain not in DOMAIN_NAMES:
        raise Unprocessable(f"未知的职责领域 {domain} (unknown domain)", code="unknown_domain")
    units = await repository.unit_facts(session)
    plan = dispatch_rules.DispatchPlan(lead_unit_id=body.lead_unit_id, co_unit_ids=tuple(body.co_unit_ids),
                                       domain=domain, category=ticket.category, region_code=ticket.region_code,
                                       complained_unit_id=ticket.complained_unit_id)
    try:
        dispatch_rules.check_dispatch(plan, units)
    except dispatch_rules.DispatchRefused as refused:
        raise Unprocessable(refused.message, code=refused.reason) from None
    ticket.domain = domain
    ticket.precedent_id = await _precedent(step, body, domain)
    await _assign(step, body.lead_unit_id, body.co_unit_ids)
    timed = deadlines.at_dispatch(step.policy, step.calendar, step.now, category=ticket.category,
                                  enterprise_related=ticket.enterprise_related, special=ticket.special)
    for name, due in timed.due.items():
        setattr(ticket, name, due)
    ticket.calendar_provisional = ticket.calendar_provisional or timed.provisional
    ticket.dispatched_at, ticket.signed_at, ticket.lead_unit_id = step.now, None, body.lead_unit_id
    ticket.first_responded_at = ticket.last_progress_at = None
    step.unit_id = body.lead_unit_id
    step.detail = {"lead_unit_id": body.lead_unit_id, "co_unit_ids": body.co_unit_ids, "domain": domain,
                   "precedent_id": ticket.precedent_id}


async def _precedent(step: Step, body: schemas.DispatchIn, domain: str | None) -> int | None:
    """Record a coordination decision, or follow (and enforce) an earlier one for a similar matter."""
    ticket = step.ticket
    if body.coordinated:
        if not body.matter:
            raise Unprocessable("协调派单须写明事项 (a coordinated dispatch needs `matter`)")
        precedent = DispatchPrecedent(matter=body.matter, keywords=sorted(set(similarity.tokens(body.matter))),
                                      domain=domain, region_prefix=dispatch_rules.area_prefix(ticket.region_code),
                                      lead_unit_id=body.lead_unit_id, co_unit_ids=list(body.co_unit_ids),
                                      decided_by=step.principal.username, source_ticket_id=ticket.id,
                                      note=body.note)
        step.session.add(precedent)
        await step.session.flush()
        return precedent.id
    words = similarity.cached_tokens(ticket.content)
    for precedent in await repository.precedents_for(step.session, ticket.region_code):
        if precedent.matches(region_code=ticket.region_code, domain=domain, tokens=words):
            if precedent.lead_unit_id != body.lead_unit_id:
                raise Conflict(f"同类事项已有协调确定的派单先例 #{precedent.id}，应派给单位 {precedent.lead_unit_id} "
                               "(R-08: follow the precedent, or record a new coordination with coordinated=true)",
                               code="precedent_conflict", detail={"precedent_id": precedent.id,
                                                                  "lead_unit_id": precedent.lead_unit_id})
            return precedent.id
    return None


async def _assign(step: Step, lead: int, co: list[int]) -> None:
    for assignment in await repository.active_assignments(step.session, step.ticket.id):
        assignment.active, assignment.ended_at = False, step.now
    step.session.add(TicketAssignment(ticket_id=step.ticket.id, unit_id=lead, role="lead", assigned_at=step.now))
    for unit_id in co:
        step.session.add(TicketAssignment(ticket_id=step.ticket.id, unit_id=unit_id, role="co", assigned_at=step.now))


async def _sign(step: Step, _body) -> None:
    step.ticket.signed_at = step.now


async def _return(step: Step, body: schemas.ReturnIn) -> None:
    ticket = step.ticket
    if ticket.precedent_id is not None:
        raise OwnershipDecided(
            f"该事项的承办单位已由热线协调确定（先例 #{ticket.precedent_id}），不得退回 "
            "(R-08: ownership was decided; the matter may not be returned)", ticket_id=ticket.id, unit_id=step.unit_id)
    late = ticket.return_due_at is not None and step.now > ticket.return_due_at
    if late:  # a return after the window counts as overdue
        await record_finding(step.session, ticket_id=ticket.id, unit_id=step.unit_id, kind="late_return",
                             due_at=ticket.return_due_at, detail={"returned_at": step.now.isoformat()})
    await record_finding(step.session, ticket_id=ticket.id, unit_id=step.unit_id, kind="return", due_at=None,
                         detail={"reason": body.reason})
    for assignment in await repository.active_assignments(step.session, ticket.id):
        assignment.active, assignment.ended_at = False, step.now
    timed = deadlines.at_acceptance(step.policy, step.calendar, step.now)  # re-dispatch within the R-10 limit
    ticket.dispatch_due_at = timed.due["dispatch_due_at"]
    for name in deadlines.DEADLINE_FIELDS[1:]:
        setattr(ticket, name, None)
    ticket.lead_unit_id = None
    step.detail = {"reason": body.reason, "legal_basis": body.legal_basis,
                   "suggested_unit_id": body.suggested_unit_id, "late": late}


async def _request_extension(step: Step, body: schemas.ExtensionIn) -> None:
    ticket = step.ticket
    if not body.caller_informed:
        raise Unprocessable("申请延期前应告知诉求人 (R-14: tell the caller before asking for an extension)",
                            code="caller_not_informed")
    try:
        check_extension_request(step.policy, step.calendar, category=ticket.category, is_redo=ticket.redo_count > 0,
                                current_due=ticket.handle_due_at, requested_days=body.days,
                                already_extended_days=ticket.extended_days, major=body.major, now=step.now)
    except ExtensionRefused as refused:
        raise Unprocessable(f"延期申请不符合规定 (R-14): {refused.message}", code=refused.reason.value) from None
    ticket.extension_requested_days, ticket.extension_major = body.days, body.major
    step.detail = {"days": body.days, "reason": body.reason, "major": body.major}


async def _approve_extension(step: Step, _body) -> None:
    ticket = step.ticket
    days = ticket.extension_requested_days or 0
    timed = deadlines.at_extension(step.calendar, ticket.handle_due_at, days)
    ticket.handle_due_at = timed.due["handle_due_at"]
    ticket.calendar_provisional = ticket.calendar_provisional or timed.provisional
    ticket.extended_days += days
    ticket.extension_requested_days = None
    step.detail = {"days": days, "handle_due_at": ticket.handle_due_at.isoformat()}


async def _reject_extension(step: Step, _body) -> None:
    step.detail = {"days": step.ticket.extension_requested_days}
    step.ticket.extension_requested_days = None


async def _progress(step: Step, body: schemas.ProgressIn) -> None:
    ticket = step.ticket
    if body.kind == "first_response" and ticket.first_responded_at is None:
        ticket.first_responded_at = step.now
    ticket.last_progress_at = step.now
    step.detail = {"kind": body.kind}


async def _complete(step: Step, body: schemas.CompleteIn) -> None:
    step.ticket.reply, step.ticket.completed_at = body.reply, step.now
    step.ticket.extension_requested_days = None


async def _callback(step: Step, body: schemas.CallbackIn) -> None:
    """Record the answer of one caller (or all); the ticket moves once every caller has answered."""
    ticket, session = step.ticket, step.session
    callers = list((await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id == ticket.id)
                                          .order_by(TicketCaller.id))).all())
    reached = _callers_reached(callers, body.caller_id, ticket)
    for caller in reached:
        caller.callback_result, caller.callback_round, caller.callback_at = body.result.value, ticket.callback_round, step.now
    answers = [c.callback_result for c in callers if c.callback_round == ticket.callback_round and c.callback_result]
    step.detail = {"result": body.result.value, "callers": [c.id for c in reached],
                   "waiting": len(callers) - len(answers), "method": body.method}
    if len(answers) < len(callers):
        step.target = Status(ticket.status)  # wait for the other callers of a merged ticket
        return
    outcome = combined_callback_result(answers)
    step.target = transition(ticket.status, Action.CALLBACK, step.side, callback_result=outcome)
    step.detail["outcome"] = outcome.value
    await _apply_outcome(step, outcome)


def _callers_reached(callers: list[TicketCaller], caller_id: int | None, ticket: Ticket) -> list[TicketCaller]:
    if caller_id is not None:
        chosen = [c for c in callers if c.id == caller_id]
        if not chosen:
            raise Unprocessable(f"诉求人 {caller_id} 不属于该工单 (caller not on this ticket)")
        return chosen
    redo = ticket.status == Status.NO_EVALUATION  # a later callback may replace "no evaluation"
    return [c for c in callers if redo or c.callback_round != ticket.callback_round or not c.callback_result]


async def _apply_outcome(step: Step, outcome: CallbackResult) -> None:
    ticket = step.ticket
    ticket.satisfaction = outcome.value
    if outcome is CallbackResult.DISSATISFIED_REASONABLE:  # R-18 重办
        timed = deadlines.at_redo(step.policy, step.calendar, step.now, category=ticket.category,
                                  enterprise_related=ticket.enterprise_related)
        ticket.handle_due_at = timed.due["handle_due_at"]
        ticket.redo_count += 1
        ticket.callback_round += 1
        ticket.completed_at = None
    elif outcome is CallbackResult.NO_EVALUATION:  # auto-closed after a period
        ticket.auto_close_due_at = step.calendar.add_working_days(step.now, step.auto_close_working_days).due_at
    else:
        ticket.closed_at = step.now
    if outcome in (CallbackResult.DISSATISFIED_REASONABLE, CallbackResult.DISSATISFIED_UNREASONABLE):
        await record_finding(step.session, ticket_id=ticket.id, unit_id=ticket.lead_unit_id, kind="dissatisfied",
                             due_at=None, detail={"outcome": outcome.value, "round": ticket.callback_round})


async def _auto_close(step: Step, _body) -> None:
    step.ticket.closed_at = step.now


async def _terminate(step: Step, body: schemas.TerminateIn) -> None:
    """R-20: only for a caller's repeat of a matter already handled lawfully, with a written opinion.

    Callers are compared as (phone, hidden from units): a reporter matches only a caller the unit
    cannot see either, so the answer never ties a hidden caller to a name the unit can read, and
    only tickets the unit may see count (R-25: no oracle on who reported what).
    """
    ticket, session = step.ticket, step.session
    callers = await _caller_keys(session, ticket.id)
    finished = {s.value for s in CLOSED_STATES} | {Status.ARCHIVED.value}
    for previous_id in body.previous_ticket_ids:
        previous = await session.scalar(select(Ticket).where(
            Ticket.id == previous_id, repository.visible_clause(step.principal.scope)))
        shared = callers & await _caller_keys(session, previous_id) if previous else set()
        if previous is None or previous.id == ticket.id or previous.status not in finished or not shared:
            raise Unprocessable(f"工单 {previous_id} 不是同一诉求人已办结的同一事项 (R-20: not an earlier, finished "
                                "ticket of the same caller)", code="not_a_repeat")
    ticket.closed_at = step.now
    step.detail = {"opinion": body.opinion, "previous_ticket_ids": body.previous_ticket_ids}


async def _caller_keys(session: AsyncSession, ticket_id: int) -> set[tuple[str, bool]]:
    rows = await session.execute(select(TicketCaller.phone, TicketCaller.hidden_from_units)
                                 .where(TicketCaller.ticket_id == ticket_id))
    return set(rows.tuples().all())


async def _dispute(step: Step, body: schemas.DisputeIn) -> None:
    ticket = step.ticket
    if ticket.satisfaction not in (CallbackResult.DISSATISFIED_REASONABLE, CallbackResult.DISSATISFIED_UNREASONABLE):
        raise Conflict("只能对不满意的回访结果申请甄别 (R-21: only a dissatisfied result can be contested)",
                       code="nothing_to_dispute")
    ticket.status_before_dispute = ticket.status
    step.detail = {"reason": body.reason, "satisfaction": ticket.satisfaction}


async def _screen(step: Step, body: schemas.ScreenIn) -> None:
    step.ticket.screened_out = body.upheld
    step.ticket.status_before_dispute = None
    step.detail = {"upheld": body.upheld}


async def _archive(step: Step, _body) -> None:
    step.ticket.archived_at = step.now


HANDLERS: dict[Action, Callable[[Step, schemas.ActionBase], Awaitable[None]]] = {
    Action.DISPATCH: _dispatch, Action.SIGN: _sign, Action.RETURN: _return,
    Action.REQUEST_EXTENSION: _request_extension, Action.APPROVE_EXTENSION: _approve_extension,
    Action.REJECT_EXTENSION: _reject_extension, Action.PROGRESS: _progress, Action.COMPLETE: _complete,
    Action.CALLBACK: _callback, Action.AUTO_CLOSE: _auto_close, Action.TERMINATE: _terminate,
    Action.DISPUTE: _dispute, Action.SCREEN: _screen, Action.ARCHIVE: _archive,
}


async def record_finding(session: AsyncSession, *, ticket_id: int, unit_id: int | None, kind: str,
                         due_at: datetime | None, detail: dict | None = None, reminder: str | None = None) -> bool:
    """Insert a supervision finding unless the same one exists (two schedulers never double it)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SupervisionRecord).values(ticket_id=ticket_id, unit_id=unit_id, kind=kind, due_at=due_at,
                                                 detail=detail or {}, reminder=reminder)
    if due_at is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["ticket_id", "kind", "due_at"])
    result = await session.execute(statement.returning(SupervisionRecord.id))
    return result.scalar_one_or_none() is not None


async def perform(session: AsyncSession, redis, settings, *, principal: Principal, ticket_id: int, action: Action,
                  body: schemas.ActionBase, now: datetime, notifier: TicketNotifier | None = None) -> Ticket:
    """Lock the ticket (SELECT … FOR UPDATE), check who may act, and run the step."""
    ticket = await repository.get_visible(session, principal, ticket_id, lock=True)
    repository.check_version(ticket, body.expected_version)
    side = side_of(principal)
    principal.require(required_permission(action, side))
    unit_id = await acting_unit(session, principal, ticket, action) if side is Side.UNIT else None
    step = Step(session=session, principal=principal, side=side, ticket=ticket,
                policy=await policy_by_version(session, ticket.policy_version),
                calendar=await get_calendar(session, redis, settings), now=now,
                auto_close_working_days=settings.workorders.ticket_auto_close_working_days, unit_id=unit_id,
                notifier=notifier)
    return await run(step, action, body)


async def record_refused_return(session: AsyncSession, *, principal: Principal, refused: OwnershipDecided) -> None:
    """R-24: keep a trace of a unit pushing back a matter whose owner was decided (after the rollback)."""
    await record_finding(session, ticket_id=refused.ticket_id, unit_id=refused.unit_id, kind="return_refused",
                         due_at=None, detail={"by": principal.username})
    await record(session, action="ticket_return_refused", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="ticket", resource_id=refused.ticket_id,
                 detail={"unit_id": refused.unit_id})
