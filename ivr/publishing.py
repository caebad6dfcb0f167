"""What the worker tells the desktops and wallboards about calls, agents and queues."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from acd.queues import QUEUES
from acd.routing import queue_position
from acd.store import AcdStore, AgentRecord
from ivr.messages import AgentStateChanged, QueueStats
from ivr.notifier import Notifier
from ivr.seats import SeatDirectory

log = logging.getLogger(__name__)
QUEUE_STATS_INTERVAL = 0.5  # queue.stats at most this often: a burst of calls is one scan, not one each


def agent_state_message(agent: AgentRecord) -> AgentStateChanged:
    return AgentStateChanged(agent_id=agent.user_id, username=agent.username, extension=agent.extension,
                             state=agent.state.state, reason=agent.state.reason, call_id=agent.call_id,
                             pending_state=agent.state.pending_state)


class Publisher:
    def __init__(self, notifier: Notifier, store: AcdStore, seats: SeatDirectory) -> None:
        self.notifier, self.store, self.seats = notifier, store, seats
        self._last_stats: dict[str, tuple[int, float]] = {}
        self._stats_due = asyncio.Event()

    async def notify(self, type_: str, message: Any, *, agent_id: int | None = None, broadcast: bool = True,
                     region_code: str | None = None, user_ids: tuple[int | None, ...] = ()) -> None:
        """Publish an event of a call (region_code: the call's) or an agent (the agent's unit's)."""
        await self.notifier.publish(type_, message, agent_id=agent_id, broadcast=broadcast, region_code=region_code,
                                    user_ids=[u for u in user_ids if u])

    async def agent_changed(self, user_id: int | None) -> None:
        if user_id is None:
            return
        agent = await self.store.get_agent(user_id)
        if agent is not None:
            region = (await self.seats.user_brief(user_id)).get("region_code")
            await self.notify("agent.state", agent_state_message(agent), region_code=region)

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
                await self.notify("queue.stats", QueueStats(queue=queue, waiting=count,
                                                            longest_wait_seconds=round(longest, 1)))
        self._last_stats = stats
