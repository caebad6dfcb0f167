"""`hotline scheduler`: the periodic jobs of the domains, one pass after the other.

A pass runs the work-order supervision (workorders.tasks: overdue flags, reminders,
auto-close; R-17, R-24), one bounded batch of the recordings' integrity re-check
(recordings.tasks; R-17), the callbacks (callbacks.tasks: surveys planned and SMS surveys sent,
R-16; missed-call tasks), the week's quality-inspection sample (quality.service.draw_due; R-23),
and then relays the outbox events a crash left unpublished
(events.outbox). The pass is composed here, above the domains.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import click
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.service import EvaluationReport
from analytics.tasks import evaluate_once
from callbacks.tasks import CallbackReport
from callbacks.tasks import run_pass as run_callbacks_pass
from core.logging import configure_logging
from core.resources import Resources
from core.settings import Settings, get_settings
from core.timeutil import utcnow
from events.bus import EventBus
from events.outbox import prune_published, relay_pending
from events.unit_of_work import UnitOfWork
from quality.service import draw_due
from recordings.tasks import IntegrityReport, verify_recordings
from workorders.notifications import prune as prune_notifications
from workorders.tasks import PassReport, run_pass

log = logging.getLogger(__name__)


@dataclass
class SchedulerReport:
    tickets: PassReport
    recordings: IntegrityReport
    relayed: int  # outbox events published for an earlier, interrupted unit of work
    callbacks: CallbackReport | None = None  # surveys planned / SMS sent, missed-call tasks (callbacks.tasks)
    alerts: EvaluationReport | None = None  # hot-topic indexing and alerts (analytics.tasks)


async def run_scheduler_pass(sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings, *,
                             now: datetime | None = None) -> SchedulerReport:
    """One pass of every scheduled job, at one moment."""
    now = now or utcnow()
    tickets = await run_pass(sessionmaker, redis, settings, now=now)
    recordings = await verify_recordings(sessionmaker, settings, now=now)  # a bounded batch
    callbacks = await run_callbacks_pass(sessionmaker, redis, settings, now=now)  # R-16, 漏接回拨
    alerts = await _evaluate_alerts(sessionmaker, redis, settings, now=now)
    async with UnitOfWork(sessionmaker()) as uow:  # this week's and last week's quality sample
        await draw_due(uow.session, settings.quality.quality_sample_per_agent, now=now)
    relayed = await relay_pending(sessionmaker, EventBus(redis, settings.redis.events_channel))
    await prune_published(sessionmaker)  # by the real clock: published_at is when it happened
    await prune_notifications(sessionmaker)  # kept 90 days (workorders.notifications.KEEP)
    return SchedulerReport(tickets=tickets, recordings=recordings, relayed=relayed, callbacks=callbacks,
                           alerts=alerts)


async def _evaluate_alerts(sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings, *,
                           now: datetime) -> EvaluationReport | None:
    """Alerts (预警) also rise and subside with the clock, not only with new tickets; a failure here
    must not stop the rest of the pass."""
    try:
        return await evaluate_once(sessionmaker, EventBus(redis, settings.redis.events_channel), settings, now=now)
    except Exception:
        log.exception("analytics evaluation failed in the scheduler pass")
        return None


async def _loop(once: bool, interval: float) -> None:
    settings = get_settings()
    resources = Resources.open(settings)
    try:
        while True:
            try:
                report = await run_scheduler_pass(resources.sessionmaker, resources.redis, settings)
                if once:
                    click.echo(f"flagged {len(report.tickets.flagged)} findings, "
                               f"auto-closed {len(report.tickets.auto_closed)} tickets")
            except Exception:
                log.exception("scheduler pass failed")
                if once:
                    raise
            if once:
                return
            await asyncio.sleep(interval)
    finally:
        await resources.close()


@click.command(help="Run the work-order scheduler: overdue flags and reminders (R-24), auto-close (R-17).")
@click.option("--once", is_flag=True, help="run one pass and exit")
@click.option("--interval", type=float, default=None, help="seconds between passes (default HOTLINE_SCHEDULER_INTERVAL_SECONDS)")
def scheduler(once: bool, interval: float | None) -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    asyncio.run(_loop(once, interval or settings.workorders.scheduler_interval_seconds))
