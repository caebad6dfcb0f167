"""The event bus: domain events published on Redis pub/sub, so any process can serve any client.

Publishing is fire-and-forget by design (live screens reload full state over REST after a
reconnect); business facts are in PostgreSQL, never only on the bus.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis

from core.kv import subscription_messages
from realtime.messages import BUS_CHANNEL, Audience, BusEvent

log = logging.getLogger(__name__)


class EventBus:
    def __init__(self, redis: Redis, channel: str = BUS_CHANNEL) -> None:
        self.redis = redis
        self.channel = channel

    @classmethod
    def for_resources(cls, resources) -> EventBus:
        """The bus on the configured Redis and channel (HOTLINE_EVENTS_CHANNEL)."""
        return cls(resources.redis, resources.settings.redis.events_channel)

    async def publish(self, type_: str, data: dict[str, Any], *, audience: Audience | None = None) -> int:
        """Publish one event; returns how many processes received it."""
        event = BusEvent(type=type_, data=data, audience=audience or Audience())
        return int(await self.redis.publish(self.channel, event.model_dump_json()))

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
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(self.channel)
                await pubsub.aclose()


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
            self._task = asyncio.create_task(self._run(), name="realtime-hub")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                pubsub = self.bus.redis.pubsub(ignore_subscribe_messages=True)
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
