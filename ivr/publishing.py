"""What the worker tells the desktops and wallboards about calls, agents and queues."""
from __future__ import annotations

import asyncio
import logging
import time

from acd.events import AcdNotifier, AgentStateChanged, QueueStats
from acd.queues import QUEUES
from acd.routing import queue_position
from acd.store import AcdStore
from calls.events import CallNotifier

log = logging.getLogger(__name__)
QUEUE_STATS_INTERVAL = 0.5  # queue.stats at most this often: a burst of calls is one scan, not one each


class Publisher:
    """The call events (calls.events.CallNotifier, used by the call as `calls`) and the ACD's own:
    a seat's state after the call changed it, and the queues' figures, coalesced."""

    def __init__(self, calls: CallNotifier, acd: AcdNotifier, store: AcdStore) -> None:
        self.calls, self.acd, self.store = calls, acd, store
        self._last_stats: dict[str, tuple[int, float]] = {}
        self._stats_due = asyncio.Event()

    async def agent_changed(self, user_id: int | None) -> None:
        """agent.state to the seat's own desktop (the region is not needed: the event is the seat's own)."""
        if user_id is None:
            return
        agent = await self.store.get_agent(user_id)
        if agent is not None:
            await self.acd.agent_state_changed(AgentStateChanged.of(agent))

    async def queue_position(self, call_id: int) -> int | None:
        calls = await self.store.waiting_calls()
        return queue_position([c.waiting() for c in calls], call_id)

    def queue_stats_changed(self) -> None:
        """A queue's length or longest wait changed; queue_stats_loop publishes soon."""
        self._stats_due.set()

    async def queue_stats_loop(self) -> None:
        while True:
            await self._stats_due.wait()
            self._stats_due.clear()
            try:
                await self.publish_queue_stats()
            except Exception:
                log.warning("queue stats failed", exc_info=True)
            await asyncio.sleep(QUEUE_STATS_INTERVAL)  # the coalescing period itself

    async def publish_queue_stats(self) -> None:
        now = time.time()
        stats: dict[str, tuple[int, float]] = {}
        for call in await self.store.waiting_calls():
            if call.state in ("waiting", "offered"):
                count, longest = stats.get(call.queue, (0, 0.0))
                stats[call.queue] = (count + 1, max(longest, now - call.entered_at))
        for queue in set(stats) | set(self._last_stats):
            count, longest = stats.get(queue, (0, 0.0))
            if queue in QUEUES:
                await self.acd.queue_stats(QueueStats(queue=queue, waiting=count,
                                                      longest_wait_seconds=round(longest, 1)))
        self._last_stats = stats
