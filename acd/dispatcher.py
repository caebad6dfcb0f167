"""The dispatcher (one per worker): matches waiting calls with available agents.

Every worker plans over the whole centre (all queues, all agents, from Redis) with the pure
acd.routing.plan_offers, then claims - atomically, in Redis - only the pairs whose call it
serves. Workers that plan at the same moment and pick the same agent race in the claim
script; exactly one wins, the others look again. It runs on every wake-up (a call queued,
an agent ready, an offer failed …, published on Redis) and at least once a second.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acd.routing import plan_offers
from acd.store import WAKEUP_CHANNEL, AcdStore, AgentRecord, QueuedCall, Snapshot
from core.kv import subscription_messages

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
STALE_OFFER_GRACE = 10.0  # an offer past its end by this much was abandoned by a dead worker


@dataclass
class Offer:
    """Posted to the inbox of a call the dispatcher claimed an agent for: ring this agent."""

    agent: AgentRecord


class Dispatcher:
    def __init__(self, store: AcdStore, sessions: Mapping[int, Any], *, ring_timeout: float) -> None:
        self.store, self.sessions = store, sessions
        self.ring_timeout = ring_timeout
        self._wake = asyncio.Event()
        self.offers = 0  # claims won (tests, health)
        self.epoch: str | None = None  # the ACD state's epoch as last seen (acd.store)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                woken = False
                with contextlib.suppress(TimeoutError):
                    woken = await asyncio.wait_for(self._wake.wait(), TICK_SECONDS)
                self._wake.clear()
                try:
                    await self.dispatch_once(woken=woken)
                except Exception:
                    log.warning("dispatch failed", exc_info=True)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.store.redis.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(WAKEUP_CHANNEL)
                async for message in subscription_messages(pubsub):
                    if message.get("type") == "message":
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("wake-up subscription lost", exc_info=True)
                await asyncio.sleep(1)  # retry period

    async def enter(self, call: QueuedCall) -> None:
        """A call of ours into the ACD, and a planning round at once on the view read in the
        same round trip (queue entry -> claim is two Redis round trips). A round that fails
        after the call is in is left to the dispatcher's loop (woken)."""
        view = await self.store.enter(call)
        try:
            await self.dispatch_once(view=view)
        except Exception:
            log.warning("dispatch at queue entry failed", exc_info=True)
            self.wake()

    async def dispatch_once(self, *, woken: bool = False, view: Snapshot | None = None) -> int:
        """One planning round (on `view` if given); returns the number of offers made. A
        wake-up round is skipped when none of our calls waits (only we offer our calls); the
        periodic one always runs (it notices a lost ACD state and offers abandoned by a dead
        worker). Rounds may overlap (ours, and other workers'): every claim is atomic."""
        if woken and not any(s.phase == "queued" for s in self.sessions.values()):
            return 0
        if view is None:
            view = await self.store.snapshot()
        if view.epoch != self.epoch:
            lost, self.epoch = self.epoch is not None, view.epoch
            if lost:
                await self._reenter_lost_calls()
                view = await self.store.snapshot()
        calls, agents = view.calls, view.agents
        now = time.time()
        await self._expire_stale_offers(agents, now)
        if not calls:
            return 0
        by_agent = {a.user_id: a for a in agents}
        mine = []
        for call_id, user_id in plan_offers([c.waiting() for c in calls], [a.snapshot() for a in agents], now):
            session = self.sessions.get(call_id)
            if session is not None and session.phase == "queued":  # else another worker's call,
                mine.append((call_id, user_id, session))            # or ours but not waiting now
        if not mine:
            return 0
        results = await self.store.claim_many([(c, u) for c, u, _ in mine], now=now,
                                              offer_until=now + self.ring_timeout + 5)
        made = 0
        for (_, user_id, session), result in zip(mine, results, strict=True):
            if result == 1:
                session.post(Offer(by_agent[user_id]))
                made += 1
        self.offers += made
        return made

    async def _reenter_lost_calls(self) -> None:
        """Redis lost the ACD's keys (restarted, flushed): our callers waiting in a queue go
        back in at their place (their original entry time). Decided by the epoch, not by a
        call missing from the snapshot: a call between its state change and its Redis write
        is missing too, and must not be entered twice."""
        for session in list(self.sessions.values()):
            if session.phase == "queued" and session.entered_at:
                log.warning("call re-entered into the ACD", extra={"call_id": session.call_id})
                await session.reenter_acd()

    async def _expire_stale_offers(self, agents, now: float) -> None:
        for agent in agents:
            stale = (agent.state.state == "ringing" and agent.offer_until
                     and agent.offer_until + STALE_OFFER_GRACE < now)
            if stale and agent.call_id is not None and agent.call_id not in self.sessions:
                await self.store.offer_failed(call_id=agent.call_id, user_id=agent.user_id, now=now,
                                              outcome="cancelled")
