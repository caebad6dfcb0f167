"""The outbox relay to RabbitMQ (R-33: the province data push), when HOTLINE_AMQP_URL is set.

A further consumer of the outbox (events.sequence): it publishes the external events
(events.feed: the contract of docs/asyncapi.yaml) after its cursor, in seq order, to the topic
exchange `hotline.events` (HOTLINE_AMQP_EXCHANGE; durable), routing key = event type,
persistent messages, message_id = the event id, on a channel with publisher confirms. Only
when the broker confirmed a batch does the cursor (outbox_consumers "amqp") move past it, in
its own commit; the cursor row is locked meanwhile, so two relays never publish at once.

At least once, in order: a broker outage or a relay killed after publishing and before moving
the cursor repeats the unconfirmed tail on the next run, with the same message_id and event
id; nothing after a failed message is confirmed as relayed, so nothing is skipped.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.timeutil import utcnow
from events.feed import external_event, is_external
from events.sequence import consumer, record_failure, rows_after, sequence_pending

log = logging.getLogger(__name__)
CONSUMER = "amqp"
BATCH = 500
CONFIRM_SECONDS = 30.0  # a batch the broker has not confirmed by then counts as failed
MAX_BACKOFF_SECONDS = 30.0


@dataclass
class AmqpTarget:
    url: str
    exchange: str = "hotline.events"


class AmqpRelay:
    """One connection and confirming channel to the broker; relay_once moves the cursor."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], target: AmqpTarget, *,
                 batch: int = BATCH) -> None:
        self.sessionmaker = sessionmaker
        self.target = target
        self.batch = batch
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        self._connection = await aio_pika.connect(self.target.url, timeout=10)
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._channel.declare_exchange(self.target.exchange, aio_pika.ExchangeType.TOPIC,
                                                              durable=True)

    async def close(self) -> None:
        connection, self._connection, self._channel, self._exchange = self._connection, None, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=5)

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def relay_once(self) -> int:
        """Publish one batch after the cursor and move the cursor past what was confirmed.

        Returns how many events were confirmed; raises when the broker failed (the cursor then
        stands after the last confirmed event of the batch)."""
        if not self.connected:
            await self.connect()
        await sequence_pending(self.sessionmaker)
        async with self.sessionmaker() as session:
            cursor = await consumer(session, CONSUMER, lock=True)
            rows = await rows_after(session, cursor.position, limit=self.batch)
            if not rows:
                await session.commit()
                return 0
            outcomes = await self._publish([row for row in rows if is_external(row.type)])
            confirmed, error = 0, None
            for row in rows:
                if is_external(row.type):
                    error = outcomes.get(row.id)
                    if error is not None:
                        break
                    confirmed += 1
                cursor.position = row.seq
            cursor.updated_at = utcnow()
            if error is None:
                cursor.attempts, cursor.last_error = 0, None
            await session.commit()
        if error is not None:
            raise ConnectionError(f"AMQP publication failed: {error!r}")
        return confirmed

    async def _publish(self, rows) -> dict[int, BaseException | None]:
        """Publish the rows in order (the tasks take the channel's lock in creation order) and
        wait for every confirm; each row's id → None when confirmed, else its error."""
        exchange = self._exchange
        assert exchange is not None

        def message(row) -> aio_pika.Message:
            return aio_pika.Message(
                json.dumps(external_event(row), ensure_ascii=False, separators=(",", ":")).encode(),
                content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(row.id), type=row.type, timestamp=row.created_at, app_id="hotline12345")

        tasks = [asyncio.ensure_future(exchange.publish(message(row), routing_key=row.type)) for row in rows]
        _, pending = await asyncio.wait(tasks, timeout=CONFIRM_SECONDS) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        outcomes: dict[int, BaseException | None] = {}
        for row, task in zip(rows, tasks, strict=True):
            if task in pending or task.cancelled():
                outcomes[row.id] = TimeoutError("no confirm from the broker")
            elif task.exception() is not None:
                outcomes[row.id] = task.exception()
            else:  # a nack comes back as a result other than Basic.Ack
                result = task.result()
                outcomes[row.id] = None if isinstance(result, aiormq.spec.Basic.Ack) else \
                    RuntimeError(f"broker refused the message: {type(result).__name__}")
        return outcomes


async def run_relay(sessionmaker: async_sessionmaker[AsyncSession], target: AmqpTarget, *, stop: asyncio.Event,
                    interval: float = 1.0, batch: int = BATCH) -> None:
    """Relay until stop is set: a batch, then (when idle) wait interval; reconnect with backoff."""
    relay = AmqpRelay(sessionmaker, target, batch=batch)
    backoff = 0.5
    try:
        while not stop.is_set():
            try:
                relayed = await relay.relay_once()
                backoff = 0.5
            except Exception as exc:
                log.warning("AMQP relay failed; reconnecting", extra={"backoff": backoff}, exc_info=True)
                await relay.close()
                with contextlib.suppress(Exception):  # shown to admins: outbox_consumers "amqp"
                    await record_failure(sessionmaker, CONSUMER, exc)
                relayed = 0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if relayed:
                log.info("AMQP relayed", extra={"published": relayed})
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        await relay.close()
