"""The callbacks' database work: plan surveys for completed tickets, let a worker claim the due
ones, record a try's result (and the answers through the ticket's callback action), SMS surveys,
and the missed-call tasks. Every function works in the caller's session (one unit of work)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks import schedule
from core.dialling import outside_number_allowed
from core.errors import Conflict
from core.settings import Settings
from models import Call, CallbackSurvey, CallbackTask, Ticket, TicketCaller
from workorders import actions, schemas
from workorders.events import TicketNotifier
from workorders.state_machine import Action, CallbackResult, Side, Status
from worktime.service import get_calendar, policy_by_version

log = logging.getLogger(__name__)
PLAN_LOOKBACK = timedelta(days=7)  # tickets completed longer ago are left to the agents' desk
STALE_CALLING = timedelta(minutes=15)  # a survey "calling" this long lost its worker: the try failed
MISSED_LOOKBACK = timedelta(hours=24)
EXPIRE_AFTER = timedelta(hours=24)  # an open missed-call task this long past due expires
CLAIM_LOCK = 0x12345_0016  # pg advisory lock: one worker claims at a time (the channel limit holds)
BATCH = 200


def _claim(query, session: AsyncSession):
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


@dataclass
class Due:
    """A survey a worker is to call now."""

    survey_id: int
    phone: str
    ticket_number: str
    matter: str
    attempt: int
    region_code: str | None


def matter_of(content: str) -> str:
    """The ticket's matter, short enough to be spoken (the first clause, ≤ 30 characters)."""
    first = content.replace("\n", "，").split("，")[0].split("。")[0].strip()
    return first[:30]


# ------------------------------------------------------------------ planning
async def plan_surveys(session: AsyncSession, redis, settings: Settings, *, now: datetime,
                       ticket_id: int | None = None, notifier: TicketNotifier | None = None) -> list[int]:
    """A survey per caller of every completed ticket not yet planned this round (merged tickets:
    every caller). Tickets a region's sample leaves out get no evaluation (auto-closed later, R-17)."""
    s = settings.callbacks
    window = schedule.parse_window(s.survey_call_window)
    shares = schedule.parse_shares(s.survey_sample)
    query = select(Ticket).where(Ticket.status == Status.COMPLETED.value)
    if ticket_id is not None:
        query = query.where(Ticket.id == ticket_id)
    else:
        query = query.where(Ticket.completed_at >= now - PLAN_LOOKBACK)
    planned = select(CallbackSurvey.id).where(CallbackSurvey.ticket_id == Ticket.id,
                                              CallbackSurvey.round == Ticket.callback_round)
    query = _claim(query.where(~planned.exists()).order_by(Ticket.completed_at).limit(BATCH), session)
    created = []
    for ticket in (await session.scalars(query.execution_options(populate_existing=True))).all():
        callers = (await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id == ticket.id)
                                         .order_by(TicketCaller.id))).all()
        share = schedule.share_for(shares, ticket.region_code)
        chosen = schedule.sampled(ticket.id, ticket.callback_round, share)
        due = schedule.first_due(ticket.completed_at or now, s.survey_delay_minutes, window)
        channel = "sms" if schedule.in_regions(ticket.region_code, s.survey_sms_regions) else "phone"
        for caller in callers:
            survey = CallbackSurvey(ticket_id=ticket.id, ticket_caller_id=caller.id, round=ticket.callback_round,
                                    phone=caller.phone, region_code=ticket.region_code, channel=channel,
                                    status="scheduled" if chosen else "skipped", attempts=0, due_at=due,
                                    answers={}, history=[], created_at=now)
            session.add(survey)
            await session.flush()
            created.append(survey.id)
        if not chosen:  # left out of the sample: no evaluation, auto-closed after its period
            await apply_callback(session, redis, settings, ticket=ticket, caller_id=None,
                                 result=CallbackResult.NO_EVALUATION.value, note="未抽中回访 (not sampled)",
                                 now=now, notifier=notifier)
    return created


async def run_now(session: AsyncSession, *, now: datetime, ticket_id: int | None = None) -> int:
    """Make every scheduled phone survey due now (retries included), for a supervisor's run."""
    query = select(CallbackSurvey).where(CallbackSurvey.status == "scheduled", CallbackSurvey.due_at > now)
    if ticket_id is not None:
        query = query.where(CallbackSurvey.ticket_id == ticket_id)
    count = 0
    for survey in (await session.scalars(_claim(query, session))).all():
        survey.due_at = now
        count += 1
    return count


# ------------------------------------------------------------------ the worker's side
async def claim_due(session: AsyncSession, settings: Settings, *, now: datetime, room: int | None = None) -> list[Due]:
    """Surveys to call now: due, inside the window, within HOTLINE_SURVEY_MAX_CHANNELS for the
    whole centre (one worker claims at a time) and within this worker's own `room`."""
    s = settings.callbacks
    if not schedule.parse_window(s.survey_call_window).open_at(now):
        return []
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
    calling = await session.scalar(select(func.count()).select_from(CallbackSurvey)
                                   .where(CallbackSurvey.status == "calling")) or 0
    free = s.survey_max_channels - calling
    if room is not None:
        free = min(free, room)
    if free <= 0:
        return []
    query = (select(CallbackSurvey, Ticket).join(Ticket, Ticket.id == CallbackSurvey.ticket_id)
             .where(CallbackSurvey.status == "scheduled", CallbackSurvey.channel == "phone",
                    CallbackSurvey.due_at <= now).order_by(CallbackSurvey.due_at).limit(free))
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=CallbackSurvey)
    due = []
    for survey, ticket in (await session.execute(query)).all():
        if ticket.status not in (Status.COMPLETED.value, Status.NO_EVALUATION.value) \
                or ticket.callback_round != survey.round:  # an agent called back meanwhile
            survey.status, survey.finished_at = "cancelled", now
            continue
        if not outside_number_allowed(survey.phone, settings.dialling.outside_numbers):
            survey.last_result = "not_dialable"  # not on the outside-number allow-list: an agent decides
            await hand_to_desk(session, settings, survey, now=now)
            continue
        survey.status, survey.attempts, survey.last_attempt_at = "calling", survey.attempts + 1, now
        due.append(Due(survey.id, survey.phone, ticket.number, matter_of(ticket.content), survey.attempts,
                       survey.region_code))
    return due


async def record_try(session: AsyncSession, redis, settings: Settings, *, survey_id: int, result: str,
                     now: datetime, answers: dict[str, str] | None = None, call_id: int | None = None,
                     recording_id: int | None = None, notifier: TicketNotifier | None = None) -> CallbackSurvey:
    """One phone try's result: answered (answers → the ticket's callback, method phone_ivr), or
    busy / no answer / failed → tried again later, finally SMS or the callback desk."""
    s = settings.callbacks
    survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.id == survey_id).with_for_update()
                                  .execution_options(populate_existing=True))
    survey.last_result, survey.call_id = result, call_id or survey.call_id
    survey.recording_id = recording_id or survey.recording_id
    survey.history = [*survey.history, {"at": now.isoformat(), "result": result, "call_id": call_id,
                                        "attempt": survey.attempts}]
    window = schedule.parse_window(s.survey_call_window)
    step = schedule.after_try(result, attempts=survey.attempts, max_attempts=s.survey_attempts, now=now,
                              retry_minutes=s.survey_retry_minutes, window=window)
    if step.status == "done":
        await finish_answered(session, redis, settings, survey, answers or {}, method="phone_ivr", now=now,
                              notifier=notifier)
    elif step.status == "scheduled":
        survey.status, survey.due_at = "scheduled", step.due_at
    elif s.survey_sms_fallback and s.sms_gateway:
        survey.status, survey.channel, survey.due_at = "scheduled", "sms", now
    else:
        await hand_to_desk(session, settings, survey, now=now)
    return survey


async def finish_answered(session: AsyncSession, redis, settings: Settings, survey: CallbackSurvey,
                          answers: dict[str, str], *, method: str, now: datetime,
                          notifier: TicketNotifier | None = None) -> None:
    survey.answers = {q: answers.get(q) for q in schedule.QUESTIONS}
    survey.outcome = schedule.outcome_of(answers)
    survey.method, survey.status, survey.finished_at = method, "done", now
    ticket = await session.scalar(select(Ticket).where(Ticket.id == survey.ticket_id).with_for_update()
                                  .execution_options(populate_existing=True))
    labels = {"1": "满意", "2": "基本满意", "3": "不满意", None: "未评价"}
    note = (f"{'电话' if method == 'phone_ivr' else '短信'}回访({method})：办理时效{labels[answers.get('speed')]}，"
            f"解决情况{labels[answers.get('resolution')]}，满意度{labels[answers.get('overall')]}")
    if ticket.callback_round != survey.round:
        survey.outcome = f"superseded:{survey.outcome}"
        return
    try:
        await apply_callback(session, redis, settings, ticket=ticket, caller_id=survey.ticket_caller_id,
                             result=survey.outcome, note=note, now=now, notifier=notifier,
                             detail={"method": method, "answers": survey.answers, "call_id": survey.call_id,
                                     "recording_id": survey.recording_id, "survey_id": survey.id})
    except Conflict:  # the ticket moved on (an agent's callback meanwhile): the answers are kept here
        survey.outcome = f"superseded:{survey.outcome}"


async def apply_callback(session: AsyncSession, redis, settings: Settings, *, ticket: Ticket, caller_id: int | None,
                         result: str, note: str, now: datetime, notifier: TicketNotifier | None = None,
                         detail: dict | None = None) -> None:
    """The ticket's own callback action (workorders.actions): the regulation's outcome follows
    (satisfied → closed, dissatisfied → redo / remark-closed, none → auto-close later)."""
    step = actions.Step(session=session, principal=None, side=Side.HOTLINE, ticket=ticket,
                        policy=await policy_by_version(session, ticket.policy_version),
                        calendar=await get_calendar(session, redis, settings), now=now,
                        auto_close_working_days=settings.workorders.ticket_auto_close_working_days,
                        notifier=notifier)
    await actions.run(step, Action.CALLBACK, schemas.CallbackIn(result=result, caller_id=caller_id, note=note))
    if detail:
        log.info("survey outcome applied", extra={"ticket_id": ticket.id, "outcome": result, **detail})


async def hand_to_desk(session: AsyncSession, settings: Settings, survey: CallbackSurvey, *, now: datetime) -> None:
    """Unreached after every try: a task on the callback desk's list for an agent."""
    survey.status, survey.finished_at = "unreached", now
    session.add(CallbackTask(kind="survey", phone=survey.phone, status="open", region_code=survey.region_code,
                             created_at=now, due_at=now + timedelta(minutes=settings.callbacks.missed_callback_minutes),
                             abandons=0, attempts=0, ticket_id=survey.ticket_id, survey_id=survey.id))


async def release_stale(session: AsyncSession, redis, settings: Settings, *, now: datetime) -> int:
    """Surveys left "calling" by a worker that died: the try counts as failed."""
    query = _claim(select(CallbackSurvey.id).where(CallbackSurvey.status == "calling",
                                                   CallbackSurvey.last_attempt_at < now - STALE_CALLING), session)
    ids = list((await session.scalars(query)).all())
    for survey_id in ids:
        await record_try(session, redis, settings, survey_id=survey_id, result="failed", now=now)
    return len(ids)


# ------------------------------------------------------------------ missed calls (漏接回拨)
def _dialable(number: str | None) -> bool:
    return bool(number) and number.isascii() and number.isdigit() and len(number) >= 7


async def sync_missed_calls(session: AsyncSession, settings: Settings, *, now: datetime) -> dict[str, int]:
    """Abandoned queue callers become tasks (several abandons of one number while its task is
    open: one task); a task closes when its number got through to an agent later; an open task
    a day past due expires."""
    minutes = settings.callbacks.missed_callback_minutes
    created = merged = closed = expired = 0
    abandoned = (await session.scalars(
        select(Call).where(Call.disposition == "abandoned", Call.direction == "inbound",
                           Call.ended_at >= now - MISSED_LOOKBACK).order_by(Call.id))).all()
    for call in abandoned:
        if not _dialable(call.caller_number):
            continue
        covered = await session.scalar(select(CallbackTask.id).where(
            CallbackTask.kind == "missed_call", CallbackTask.phone == call.caller_number,
            CallbackTask.first_call_id <= call.id, CallbackTask.last_call_id >= call.id))
        if covered:
            continue
        task = await session.scalar(_claim(select(CallbackTask).where(
            CallbackTask.kind == "missed_call", CallbackTask.phone == call.caller_number,
            CallbackTask.status == "open"), session))
        if task is not None:
            task.abandons, task.last_call_id = task.abandons + 1, max(task.last_call_id or 0, call.id)
            merged += 1
            continue
        if await _got_through(session, call.caller_number, after=call.ended_at or call.started_at):
            continue  # already called again and served
        abandoned_at = call.ended_at or call.started_at
        session.add(CallbackTask(kind="missed_call", phone=call.caller_number, status="open",
                                 region_code=call.region_code, created_at=abandoned_at,
                                 due_at=schedule.missed_due(abandoned_at, minutes), abandons=1,
                                 first_call_id=call.id, last_call_id=call.id, attempts=0))
        await session.flush()
        created += 1
    open_tasks = (await session.scalars(_claim(select(CallbackTask).where(
        CallbackTask.kind == "missed_call", CallbackTask.status == "open"), session))).all()
    for task in open_tasks:
        through = await _got_through(session, task.phone, after=task.created_at)
        if through is not None:
            task.status, task.outcome, task.closed_at = "done", "got_through", through.answered_at
            task.closed_by_call_id = through.id
            closed += 1
        elif now > task.due_at + EXPIRE_AFTER:
            task.status, task.outcome, task.closed_at = "expired", "expired", now
            expired += 1
    return {"created": created, "merged": merged, "closed": closed, "expired": expired}


async def _got_through(session: AsyncSession, phone: str, *, after: datetime) -> Call | None:
    """A later call with that number that reached an agent (inbound answered, or an agent's
    call back to it answered)."""
    return await session.scalar(select(Call).where(
        Call.caller_number == phone, Call.answered_at.is_not(None), Call.answered_at > after,
        or_(Call.direction == "outbound", Call.agent_id.is_not(None))).order_by(Call.answered_at).limit(1))


async def task_figures(session: AsyncSession, *, since: datetime, now: datetime,
                       where=None) -> dict[str, float | int]:
    """Missed-call callback figures: of the tasks created since `since`, how many, done, done in
    time, expired, the callback rate (done / (done + expired + overdue)) and the share done in time
    (closed by due / done); `open` and `overdue` count every task open now, whenever it came."""
    query = select(CallbackTask.status, CallbackTask.closed_at, CallbackTask.due_at, CallbackTask.created_at).where(
        CallbackTask.kind == "missed_call", or_(CallbackTask.created_at >= since, CallbackTask.status == "open"))
    if where is not None:  # e.g. a region's
        query = query.where(where)
    rows = (await session.execute(query)).all()
    recent = [r for r in rows if r.created_at >= since]
    done = [r for r in recent if r.status == "done"]
    in_time = [r for r in done if r.closed_at is not None and r.closed_at <= r.due_at]
    open_ = [r for r in rows if r.status == "open"]
    overdue = [r for r in open_ if r.due_at < now]
    expired = [r for r in recent if r.status == "expired"]
    settled = len(done) + len(expired) + sum(1 for r in overdue if r.created_at >= since)
    return {"tasks": len(recent), "done": len(done), "done_in_time": len(in_time), "open": len(open_),
            "overdue": len(overdue), "expired": len(expired),
            "callback_rate": round(len(done) / settled, 4) if settled else 1.0,
            "in_time_share": round(len(in_time) / len(done), 4) if done else 1.0}


def open_overdue_clause(now: datetime):
    return and_(CallbackTask.status == "open", CallbackTask.due_at < now)


async def called_back(session: AsyncSession, *, task_id: int, call_id: int, answered: bool, now: datetime) -> None:
    """An agent's click-to-call for a task: one more try; answered → the task is done."""
    task = await session.scalar(select(CallbackTask).where(CallbackTask.id == task_id).with_for_update())
    if task is None:
        return
    task.attempts += 1
    if answered and task.status == "open":
        task.status, task.outcome, task.closed_at, task.closed_by_call_id = "done", "called_back", now, call_id
