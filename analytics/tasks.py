"""Running the alert evaluation: once (the scheduler's pass, a supervisor's request) or on every ticket
creation, coalesced (R-24, R-34).

`AlertEvaluator` listens to the event bus (the process's Hub): a `ticket.created` event marks an
evaluation due; one evaluation then covers every ticket created while the previous one ran, and a
short Redis lock keeps several processes from evaluating the same burst at once (the alerts
themselves are exactly-once by the database whoever evaluates).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics import service
from analytics.config import AnalyticsConfig
from core.resources import Resources
from core.settings import Settings
from core.tasks import cancel_and_wait
from core.timeutil import utcnow
from events.bus import EventBus, Hub
from events.envelope import BusEvent
from events.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
TRIGGERS = ("ticket.created",)
LOCK_SECONDS = 30


async def evaluate_once(sessionmaker: async_sessionmaker[AsyncSession], bus: EventBus, settings: Settings, *,
                        now: datetime | None = None) -> service.EvaluationReport:
    """One evaluation in its own unit of work (committed; changes published after the commit)."""
    config = AnalyticsConfig.from_settings(settings)
    async with UnitOfWork(sessionmaker(), bus) as uow:
        return await service.evaluate(uow, now=now or utcnow(), config=config)


class AlertEvaluator:
    """Evaluates after ticket creations seen on the bus, coalesced; started and stopped by its owner."""

    def __init__(self, resources: Resources, hub: Hub, *, min_gap: float = 0.5) -> None:
        self.resources, self.hub, self.min_gap = resources, hub, min_gap
        self._due = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.evaluations = 0  # how many evaluations this process ran (tests, logs)
        self.idle = asyncio.Event()
        self.idle.set()
        self._lock_key = f"hotline:analytics:evaluating:{resources.settings.redis.events_channel}"

    def on_event(self, event: BusEvent) -> None:
        if event.type in TRIGGERS:
            self.idle.clear()
            self._due.set()

    async def start(self) -> None:
        self.hub.add(self.on_event)
        self._task = asyncio.create_task(self._run(), name="analytics-evaluator")

    async def stop(self) -> None:
        self.hub.discard(self.on_event)
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task, timeout=5)

    async def _run(self) -> None:
        redis = self.resources.redis
        while True:
            await self._due.wait()
            self._due.clear()
            try:
                if await redis.set(self._lock_key, "1", nx=True, ex=LOCK_SECONDS):
                    try:
                        await evaluate_once(self.resources.sessionmaker, self.hub.bus, self.resources.settings)
                        self.evaluations += 1
                    finally:
                        with contextlib.suppress(Exception):
                            await redis.delete(self._lock_key)
                else:  # another process is evaluating: look again after it
                    self._due.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("analytics evaluation failed; the next ticket or scheduler pass retries")
            await asyncio.sleep(self.min_gap)  # coalescing: tickets of the gap are covered by the next run
            if not self._due.is_set():
                self.idle.set()
