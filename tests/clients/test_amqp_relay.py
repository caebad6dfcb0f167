"""The outbox relay to RabbitMQ (R-33), against the machine's broker on 127.0.0.1:5672.

Each test uses its own exchange (hotline.events.test.<random>) and an exclusive queue, and
deletes the exchange afterwards; the broker itself is never restarted. An outage is a TCP
proxy the test cuts; a crash is a `hotline relay` subprocess killed with SIGKILL.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Self

import aio_pika
import httpx
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from core.resources import Resources
from core.timeutil import utcnow
from events import outbox
from events.amqp import AmqpRelay, AmqpTarget, run_relay
from events.envelope import Audience
from events.outbox import PendingEvent
from events.sequence import consumer, last_sequenced, sequence_pending
from models import OutboxConsumer, OutboxEvent
from tests.clients.helpers import client_token, register
from tests.clients.receiver import wait_for
from tests.clients.tcp_proxy import TcpProxy

AMQP_URL = os.environ.get("HOTLINE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
HOTLINE = Audience(roles=["agent"])
UNITS = Audience(unit_ids=[7])


class Collector:
    """An exclusive queue bound to the test exchange with '#': every message, in arrival order."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def __aenter__(self) -> Self:
        self.connection = await aio_pika.connect(AMQP_URL)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="#")

        async def take(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.messages.append(message)
            await message.ack()

        await queue.consume(take)
        return self

    async def __aexit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            channel = await self.connection.channel()
            await channel.exchange_delete(self.exchange)
        await self.connection.close()

    def ids(self) -> list[int]:
        return [int(m.message_id) for m in self.messages]

    def bodies(self) -> list[dict]:
        return [json.loads(m.body) for m in self.messages]


def _exchange() -> str:
    return f"hotline.events.test.{secrets.token_hex(4)}"


async def _start_at_end(maker) -> None:
    """Move the relay's cursor to the end: these tests relay only what they write."""
    await sequence_pending(maker)
    async with maker() as session:
        cursor = await consumer(session, "amqp")
        cursor.position = await last_sequenced(session)
        await session.commit()


async def test_relay_publishes_persistent_confirmed_messages_in_order(resources, session):
    await _start_at_end(resources.sessionmaker)
    name = _exchange()
    async with Collector(name) as collector:
        ids = await outbox.write(session, [
            PendingEvent("ticket.created", {"ticket_id": 1, "number": "5101-1", "status": "pending_dispatch"}, HOTLINE),
            PendingEvent("internal.cache_bumped", {"token": 1}, HOTLINE),
            PendingEvent("ticket.dispatched", {"ticket_id": 1, "number": "5101-1", "status": "dispatched",
                                               "caller_phone": "13800001111"}, HOTLINE),
            PendingEvent("analytics.alert", {"kind": "surge", "callers": ["13800001111"]}, UNITS)])
        await session.commit()
        relay = AmqpRelay(resources.sessionmaker, AmqpTarget(url=AMQP_URL, exchange=name))
        try:
            assert await relay.relay_once() == 3
            assert await relay.relay_once() == 0  # the cursor moved: nothing twice
        finally:
            await relay.close()
        await wait_for(lambda: len(collector.messages) == 3)
        messages = collector.messages
        assert [m.routing_key for m in messages] == ["ticket.created", "ticket.dispatched", "analytics.alert"]
        assert collector.ids() == [ids[0], ids[2], ids[3]]
        assert all(m.delivery_mode == aio_pika.DeliveryMode.PERSISTENT for m in messages)
        assert all(m.content_type == "application/json" and m.type == m.routing_key for m in messages)
        bodies = collector.bodies()
        assert [b["id"] for b in bodies] == collector.ids() and bodies[0]["data"]["number"] == "5101-1"
        assert "13800001111" not in str(bodies)  # never a caller's identity, whoever it was for
        cursor = await session.scalar(select(OutboxConsumer).where(OutboxConsumer.name == "amqp")
                                      .execution_options(populate_existing=True))
        assert cursor.position == (await session.scalar(select(OutboxEvent.seq).where(OutboxEvent.id == ids[3])))
        # the exchange is durable: declaring it as transient is refused by the broker
        connection = await aio_pika.connect(AMQP_URL)
        try:
            channel = await connection.channel()
            with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
                await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=False)
        finally:
            await connection.close()


async def test_a_cut_connection_loses_nothing_and_the_relay_recovers(engine):
    """The relay talks to the broker through a proxy; the proxy is cut while events keep coming,
    then comes back: the relay reconnects and every event arrives, in order (real commits, then
    cleaned up: the relay runs beside the test's own sessions)."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    await _start_at_end(maker)
    name = _exchange()
    proxy = TcpProxy()
    await proxy.start()
    target = AmqpTarget(url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/", exchange=name)
    ids: list[int] = []

    async def write(numbers: range) -> list[int]:
        async with maker() as session:
            made = await outbox.write(session, [PendingEvent("ticket.progress", {"ticket_id": 2, "n": n}, HOTLINE)
                                                for n in numbers])
            await session.commit()
        ids.extend(made)
        return made

    async def failures() -> int:
        async with maker() as session:
            return (await consumer(session, "amqp")).attempts

    try:
        async with Collector(name) as collector:
            first = await write(range(20))
            stop = asyncio.Event()
            task = asyncio.create_task(run_relay(maker, target, stop=stop, interval=0.05))
            try:
                await wait_for(lambda: len(collector.messages) >= 20)
                await proxy.cut()  # the broker is gone, as far as the relay can tell
                second = await write(range(20, 50))
                for _ in range(400):  # bounded: the relay notes its failure where admins see it
                    if await failures() >= 1:
                        break
                    await asyncio.sleep(0.05)
                assert await failures() >= 1
                assert set(second).isdisjoint(collector.ids())
                await proxy.start()  # back, on the same port
                await wait_for(lambda: set(first + second) <= set(collector.ids()), timeout=60)
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=15)
                await proxy.cut()
            received = collector.ids()
        assert list(dict.fromkeys(received)) == first + second  # in order; a repeat has the same id
        assert await failures() == 0  # a confirmed batch clears the failure count
    finally:
        async with maker() as session:
            await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
            # a cursor left behind would hold later tests' rows back from pruning (events.outbox)
            await session.execute(delete(OutboxConsumer).where(OutboxConsumer.name == "amqp"))
            await session.commit()


def _relay_process(settings, exchange: str, var_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "HOTLINE_DATABASE_URL": settings.database.database_url,
           "HOTLINE_REDIS_URL": settings.redis.redis_url, "HOTLINE_SECRET_KEY": settings.security.secret_key.get_secret_value(),
           "HOTLINE_AMQP_URL": AMQP_URL, "HOTLINE_AMQP_EXCHANGE": exchange, "HOTLINE_AMQP_RELAY_BATCH": "50",
           "HOTLINE_AMQP_RELAY_INTERVAL_SECONDS": "0.05", "HOTLINE_WEBHOOK_INTERVAL_SECONDS": "60",
           "HOTLINE_VAR_DIR": str(var_dir), "HOTLINE_LOG_JSON": "false"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "relay"], env=env, cwd=Path(__file__).parents[2],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_a_relay_killed_mid_way_loses_nothing_repeats_with_the_same_id_and_the_feed_is_whole(
        settings, engine, redis, tmp_path):
    """Real commits (another process relays them): 6000 events; `hotline relay` is killed with
    SIGKILL in the middle and started again. RabbitMQ gets every event, first occurrences in
    order, repeats with the same id and body; the pull feed returns every one in order."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    await _start_at_end(maker)
    total, ids = 6000, []
    name = _exchange()
    async with maker() as session:
        start = await last_sequenced(session)
        for chunk in range(0, total, 1000):
            rows = [{"type": "ticket.progress", "payload": {"ticket_id": 3, "n": n}, "audience": HOTLINE.model_dump(),
                     "created_at": utcnow(), "attempts": 0} for n in range(chunk, chunk + 1000)]
            ids += list((await session.scalars(insert(OutboxEvent).returning(OutboxEvent.id), rows)).all())
        await session.commit()
    processes = []
    try:
        async with Collector(name) as collector:
            first = _relay_process(settings, name, tmp_path)
            processes.append(first)
            await wait_for(lambda: len(collector.messages) >= 1000, timeout=60)
            os.kill(first.pid, signal.SIGKILL)  # no chance to tidy up
            first.wait(timeout=10)
            async with maker() as session:
                stopped_at = (await consumer(session, "amqp")).position
            assert stopped_at < start + total, "the relay finished before it was killed"
            second = _relay_process(settings, name, tmp_path)
            processes.append(second)
            await wait_for(lambda: set(ids) <= set(collector.ids()), timeout=120)
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
            received, bodies = collector.ids(), collector.bodies()
        firsts = list(dict.fromkeys(received))
        assert firsts == ids  # nothing lost, in order
        by_id: dict[int, dict] = {}
        for body in bodies:
            assert by_id.setdefault(body["id"], body) == body  # a repeat is the same event
        print(f"\nrelay killed after {stopped_at - start} confirmed; {len(received) - len(firsts)} repeated")

        # the pull feed, read by a client, returns every event in order too
        resources = Resources(settings=settings, engine=engine, sessionmaker=maker, redis=redis,
                              secret_key=settings.security.secret_key.get_secret_value(), side_engine=engine)
        app = create_app(resources=resources)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            admin = await http.post("/api/v1/auth/token", data={"username": "admin", "password": "admin-pass-2026"})
            admin_headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
            headers = await client_token(http, await register(http, admin_headers, scopes=["feed:read"]))
            fed, after = [], start
            while len(fed) < total:
                page = (await http.get(f"/api/v1/feed/events?after={after}&limit=1000", headers=headers)).json()
                assert page["events"], "the feed ended early"
                fed += [e["id"] for e in page["events"] if e["data"].get("ticket_id") == 3]
                after = page["next_cursor"]
        assert fed == ids
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        async with maker() as session:
            await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
            # a cursor left behind would hold later tests' rows back from pruning (events.outbox)
            await session.execute(delete(OutboxConsumer).where(OutboxConsumer.name == "amqp"))
            await session.commit()
