"""Surveys by SMS (R-16): sent through the configured gateway (callbacks.sms) inside the calling
window and the rate limit, answered by the citizen's reply (1/2/3, or three digits), recorded
with method `sms` through the ticket's callback action; no reply within
HOTLINE_SURVEY_SMS_REPLY_HOURS: no evaluation."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks import schedule, service, sms
from core.settings import Settings
from models import CallbackSurvey, Ticket
from workorders.events import TicketNotifier

log = logging.getLogger(__name__)


async def send_due(session: AsyncSession, redis, settings: Settings, gateway: sms.SmsGateway | None, *,
                   now: datetime) -> int:
    """Send every due SMS survey (never outside the calling window, within the rate limit)."""
    s = settings.callbacks
    if gateway is None or not schedule.parse_window(s.survey_call_window).open_at(now):
        return 0
    query = (select(CallbackSurvey, Ticket.number).join(Ticket, Ticket.id == CallbackSurvey.ticket_id)
             .where(CallbackSurvey.status == "scheduled", CallbackSurvey.channel == "sms",
                    CallbackSurvey.due_at <= now).order_by(CallbackSurvey.due_at).limit(service.BATCH))
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=CallbackSurvey)
    sent = 0
    for survey, number in (await session.execute(query)).all():
        if not await sms.take_slot(redis, s.sms_per_minute):
            break  # the rest go next pass
        try:
            answer = await gateway.send(survey.phone, sms.survey_text(number))
        except sms.SmsError as exc:
            log.warning("SMS survey not sent", extra={"survey_id": survey.id, "error": str(exc)})
            survey.history = [*survey.history, {"at": now.isoformat(), "result": "sms_failed"}]
            continue
        survey.status, survey.sms_sent_at = "sms_sent", now
        survey.history = [*survey.history, {"at": now.isoformat(), "result": "sms_sent", "gateway": answer}]
        sent += 1
    return sent


async def reply_received(session: AsyncSession, redis, settings: Settings, *, phone: str, text: str,
                         now: datetime, notifier: TicketNotifier | None = None) -> CallbackSurvey | None:
    """A citizen's reply: the latest SMS survey waiting on that number takes it (None: no survey
    waits, or the reply is unreadable — kept in the log only)."""
    answers = schedule.parse_sms_reply(text)
    survey = await session.scalar(select(CallbackSurvey).where(
        CallbackSurvey.phone == phone, CallbackSurvey.status == "sms_sent")
        .order_by(CallbackSurvey.sms_sent_at.desc()).limit(1).with_for_update())
    if survey is None or answers is None:
        log.info("SMS reply not used", extra={"survey": survey.id if survey else None, "readable": bool(answers)})
        return None
    survey.history = [*survey.history, {"at": now.isoformat(), "result": "sms_reply"}]
    await service.finish_answered(session, redis, settings, survey, answers, method="sms", now=now, notifier=notifier)
    return survey


async def expire_unanswered(session: AsyncSession, redis, settings: Settings, *, now: datetime,
                            notifier: TicketNotifier | None = None) -> int:
    """SMS surveys without a reply in time: no evaluation (auto-closed after its period, R-17)."""
    limit = now - timedelta(hours=settings.callbacks.survey_sms_reply_hours)
    query = select(CallbackSurvey).where(CallbackSurvey.status == "sms_sent", CallbackSurvey.sms_sent_at < limit)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    surveys = (await session.scalars(query.limit(service.BATCH))).all()
    for survey in surveys:
        await service.finish_answered(session, redis, settings, survey, {}, method="sms", now=now, notifier=notifier)
    return len(surveys)
