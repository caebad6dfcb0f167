"""The event bus: domain events published on Redis pub/sub, so any process can serve any client.

Publishing is fire-and-forget by design (live screens reload full state over REST after a
reconnect); business facts are in PostgreSQL, never only on the bus.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core.kv import subscription_messages
from core.tasks import cancel_and_wait
from core.timeutil import utcnow
from events.envelope import BUS_CHANNEL, Audience, BusEvent

log = logging.getLogger(__name__)
# every wait of the bus's own housekeeping is bounded: a subscription that will not close or a
# task that will not end is logged and left behind, never waited on forever
CLOSE_SECONDS = 5.0


class EventBus:
    def __init__(self, redis: Redis, channel: str = BUS_CHANNEL) -> None:
        self.redis = redis
        self.channel = channel

    @classmethod
    def for_resources(cls, resources) -> EventBus:
        """The bus on the configured Redis and channel (HOTLINE_EVENTS_CHANNEL)."""
        return cls(resources.redis, resources.settings.redis.events_channel)

    async def publish(self, type_: str, data: dict[str, Any], *, audience: Audience | None = None,
                      at: datetime | None = None) -> int:
        """Publish one event; returns how many processes received it. `at` is when it happened
        (an outbox row's creation, however late the relay publishes it); now when not given."""
        event = BusEvent(type=type_, data=data, audience=audience or Audience(), at=at or utcnow())
        return int(await self.redis.publish(self.channel, event.model_dump_json()))

    async def publish_or_log(self, type_: str, message: BaseModel, *, audience: Audience) -> None:
        """Publish one typed event fire-and-forget: a lost event costs a screen a reload, never a
        business fact (those are in the database), so a Redis outage is logged, not raised."""
        try:
            await self.publish(type_, message.model_dump(mode="json"), audience=audience)
        except Exception:  # Redis down: the call, the seat, the worker go on
            log.warning("event not published", extra={"event_type": type_}, exc_info=True)

    async def events(self) -> AsyncIterator[BusEvent]:
        """Every event published from now on (malformed messages are logged and skipped)."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        try:
            async for message in subscription_messages(pubsub):
                if message.get("type") != "message":
                    continue
                try:
                    yield BusEvent.model_validate_json(message["data"])
                except ValueError:
                    log.warning("malformed bus event skipped", extra={"raw": str(message["data"])[:200]})
        finally:
            await close_subscription(pubsub)


Listener = Callable[[BusEvent], None]


class Hub:
    """One bus subscription per process, fanned out to the process's websocket connections."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    def add(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def discard(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    async def start(self) -> None:
        """Start the subscription task and wait until it is subscribed (bounded)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-hub")
        async with asyncio.timeout(10):  # not wait_for: on 3.11 it can drop the caller's cancellation
            await self._ready.wait()

    async def stop(self) -> None:
        """Cancel the subscription task until it has ended (core.tasks), at most CLOSE_SECONDS × 2."""
        task, self._task = self._task, None
        self._ready.clear()
        if task is not None and not await cancel_and_wait(task, timeout=2 * CLOSE_SECONDS):
            log.warning("event bus subscription did not stop in time; left behind")

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            pubsub = self.bus.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.bus.channel)
                self._ready.set()
                backoff = 0.5
                async for message in subscription_messages(pubsub):
                    if message.get("type") == "message":
                        self._dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis gone: keep serving sockets, resubscribe with backoff
                log.warning("event bus subscription lost; retrying", exc_info=True)
            finally:  # give the connection back (cancelled or not): one subscription, one connection
                await close_subscription(pubsub)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10)

    def _dispatch(self, raw: str) -> None:
        try:
            event = BusEvent.model_validate_json(raw)
        except ValueError:
            log.warning("malformed bus event skipped")
            return
        for listener in list(self._listeners):
            listener(event)


async def close_subscription(pubsub: PubSub) -> None:
    """Unsubscribe and give the connection back, at most CLOSE_SECONDS (also in a cancelled task)."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_SECONDS):
            await pubsub.aclose()
