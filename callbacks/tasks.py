"""The callbacks' scheduled pass (run by cli.scheduler, so by `hotline scheduler` and `hotline up`):
plan surveys for completed tickets, send due SMS surveys, expire unanswered ones, free surveys a
dead worker left "calling", and turn abandoned queue callers into callback tasks. Each job is one
unit of work; the ARI workers (ivr.survey) make the phone calls."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks import service, sms, sms_surveys
from core.settings import Settings
from core.timeutil import utcnow
from events.bus import EventBus
from events.unit_of_work import UnitOfWork
from workorders.events import TicketNotifier

log = logging.getLogger(__name__)
WAKE_KEY = "hotline:surveys:wake"  # the workers' dialers look at due surveys at once


@dataclass
class CallbackReport:
    planned: list[int] = field(default_factory=list)
    sms_sent: int = 0
    sms_expired: int = 0
    stale: int = 0
    missed: dict[str, int] = field(default_factory=dict)


async def wake_dialers(redis: Redis) -> None:
    await redis.lpush(WAKE_KEY, "1")
    await redis.ltrim(WAKE_KEY, 0, 9)
    await redis.expire(WAKE_KEY, 60)


async def run_pass(sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings, *,
                   now: datetime | None = None, gateway: sms.SmsGateway | None = None) -> CallbackReport:
    now = now or utcnow()
    report = CallbackReport()
    bus = EventBus(redis, settings.redis.events_channel)
    gateway = gateway or sms.gateway_for(settings)
    async with UnitOfWork(sessionmaker(), bus) as uow:
        report.planned = await service.plan_surveys(uow.session, redis, settings, now=now,
                                                    notifier=TicketNotifier(uow))
    async with UnitOfWork(sessionmaker(), bus) as uow:
        report.stale = await service.release_stale(uow.session, redis, settings, now=now)
    async with UnitOfWork(sessionmaker(), bus) as uow:
        report.sms_sent = await sms_surveys.send_due(uow.session, redis, settings, gateway, now=now)
    async with UnitOfWork(sessionmaker(), bus) as uow:
        report.sms_expired = await sms_surveys.expire_unanswered(uow.session, redis, settings, now=now,
                                                                 notifier=TicketNotifier(uow))
    async with UnitOfWork(sessionmaker(), bus) as uow:
        report.missed = await service.sync_missed_calls(uow.session, settings, now=now)
    if report.planned:
        await wake_dialers(redis)
    if report.planned or report.sms_sent or report.stale or any(report.missed.values()):
        log.info("callbacks pass", extra={"planned": len(report.planned), "sms_sent": report.sms_sent,
                                          "stale": report.stale,
                                          # prefixed: "created" is a LogRecord attribute and may not be overwritten
                                          **{f"missed_{k}": v for k, v in report.missed.items()}})
    return report
