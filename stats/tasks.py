"""The stats worker (`hotline stats`): keeps every wallboard live and the alarms current (R-05, R-24, R-34).

On `call.*` / `queue.*` bus events it recomputes the figures, publishes `stats.updated` and
evaluates the alarms; on `agent.*` events it publishes `stats.agents`; every
HOTLINE_STATS_ALARM_INTERVAL_SECONDS it does both anyway (rolling windows move with the clock).
Bursts of events are coalesced: one recomputation covers every event that arrived while the
previous one ran. Several workers may run: a Redis lease picks the one that publishes (the
others stand by), and alarm transitions are exactly-once by the database whoever evaluates.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from acd.store import AcdStore
from core.resources import Resources
from core.tasks import cancel_and_wait
from core.timeutil import utcnow
from events.bus import EventBus, Hub
from events.envelope import BusEvent
from events.unit_of_work import UnitOfWork
from stats import alarm_service, service
from stats.config import StatsConfig
from stats.events import StatsAgents, StatsNotifier, StatsUpdated

log = logging.getLogger(__name__)
FIGURE_EVENTS = ("call.", "queue.")
AGENT_EVENTS = ("agent.",)
STOP_SECONDS = 5.0  # each step of stopping (jobs, lease) at most this long: the lease expires by itself anyway

# renew the lease only if we still hold it
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class Lease:
    """A Redis lease: at most one holder at a time; lost if not renewed within `seconds`."""

    def __init__(self, redis, key: str, holder: str, seconds: float) -> None:
        self.redis, self.key, self.holder, self.ms = redis, key, holder, int(seconds * 1000)
        self._renew = redis.register_script(_RENEW)

    async def hold(self) -> bool:
        """Take or renew the lease; True while we hold it."""
        if await self._renew(keys=[self.key], args=[self.holder, self.ms]):
            return True
        return bool(await self.redis.set(self.key, self.holder, nx=True, px=self.ms))

    async def release(self) -> None:
        if await self.redis.get(self.key) == self.holder:
            await self.redis.delete(self.key)


class StatsWorker:
    def __init__(self, resources: Resources, *, interval: float | None = None, lease_seconds: float = 15.0,
                 min_gap: float = 0.05) -> None:
        settings = resources.settings
        self.resources = resources
        self.config = StatsConfig.from_settings(settings)
        self.bus = EventBus.for_resources(resources)
        self.notifier = StatsNotifier(self.bus)
        self.acd = AcdStore(resources.redis)
        self.interval = interval or settings.stats.stats_alarm_interval_seconds
        self.lease = Lease(resources.redis, f"hotline:stats:leader:{settings.redis.events_channel}", settings.calls.worker_id,
                           lease_seconds)
        self.min_gap = min_gap  # coalescing: at most one recomputation per this many seconds
        self.leading = False
        self.ready = asyncio.Event()
        self._figures_due = asyncio.Event()
        self._agents_due = asyncio.Event()
        self._hub = Hub(self.bus)
        self._stopping: asyncio.Future | None = None

    def on_event(self, event: BusEvent) -> None:
        """Bus listener (synchronous, called by the hub): mark what needs recomputing."""
        if event.type.startswith(FIGURE_EVENTS):
            self._figures_due.set()
        elif event.type.startswith(AGENT_EVENTS):
            self._agents_due.set()

    async def run(self) -> None:
        """Run until cancelled (or a job fails); then stop the jobs and the subscription and give the
        lease up, each within a bound.

        Not a TaskGroup: a job busy with Redis can lose its one cancellation (core.tasks) and a
        TaskGroup would wait for it forever; each job is cancelled until it has ended instead.
        """
        self._hub.add(self.on_event)
        jobs: list[asyncio.Task] = []
        try:
            await self._hub.start()  # inside the try: a start that times out still stops the hub's task
            self.leading = await self._hold()
            self.ready.set()
            jobs = [asyncio.create_task(job) for job in (
                self._keep_lease(), self._clock(), self._loop(self._figures_due, self.publish_figures),
                self._loop(self._agents_due, self.publish_agents))]
            done, _ = await asyncio.wait(jobs, return_when=asyncio.FIRST_EXCEPTION)
            for job in done:  # the jobs run forever: one that ended failed
                job.result()
        finally:
            # shielded: cancelled again meanwhile (core.tasks), the clean-up still runs to its end
            self._stopping = asyncio.ensure_future(self._stop(jobs))
            await asyncio.shield(self._stopping)

    async def _stop(self, jobs: list[asyncio.Task]) -> None:
        stopped = await asyncio.gather(*(cancel_and_wait(job, timeout=STOP_SECONDS) for job in jobs))
        if not all(stopped):
            log.warning("stats jobs did not stop in time; left behind")
        self._hub.discard(self.on_event)
        await self._hub.stop()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(STOP_SECONDS):
                await self.lease.release()

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.lease.ms / 3000)  # renewal period, not a wait for an event
            leading = await self._hold()
            if leading and not self.leading:
                self._figures_due.set()
                self._agents_due.set()
            self.leading = leading

    async def _hold(self) -> bool:
        try:
            return await self.lease.hold()
        except Exception:  # Redis away: stand by until we hold the lease again
            log.warning("stats lease check failed", exc_info=True)
            return False

    async def _clock(self) -> None:
        while True:
            self._figures_due.set()
            self._agents_due.set()
            await asyncio.sleep(self.interval)  # the evaluation period itself

    async def _loop(self, due: asyncio.Event, job) -> None:
        while True:
            await due.wait()
            due.clear()
            if self.leading:
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:  # database or Redis hiccup: the next event or tick retries
                    log.exception("stats job failed", extra={"job": job.__name__})
            await asyncio.sleep(self.min_gap)  # coalesce a burst of events into one recomputation

    async def publish_figures(self) -> None:
        """Push fresh figures to every wallboard, then evaluate the alarms and announce transitions
        (figures first: they are what a call event must change on screen within a second)."""
        now = utcnow()
        async with UnitOfWork(self.resources.sessionmaker()) as uow:
            figures = await service.wallboard_figures(uow.session, self.acd, now=now, config=self.config)
            await self.notifier.stats_updated(StatsUpdated.model_validate(figures))
            changes = await alarm_service.evaluate_alarms(uow.session, now=now, config=self.config)
            uow.after_commit(lambda: alarm_service.publish_changes(self.notifier, changes))
        if changes:  # the segments' alarm marks changed: one more pass shows them
            self._figures_due.set()

    async def publish_agents(self) -> None:
        """Push every signed-in agent's state and today's calls to the wallboards."""
        now = utcnow()
        async with self.resources.sessionmaker() as session:
            agents = await service.wallboard_agents(session, self.acd, now=now, config=self.config)
        await self.notifier.stats_agents(StatsAgents(generated_at=now.isoformat(), agents=agents))


async def run_worker(resources: Resources) -> None:
    """Entry point of `hotline stats`."""
    worker = StatsWorker(resources)
    log.info("stats worker started", extra={"worker_id": resources.settings.calls.worker_id})
    await worker.run()
