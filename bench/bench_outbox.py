"""Benchmark: outbox relay throughput to RabbitMQ (events/s), R-33.

Makes a throw-away PostgreSQL database and migrates it, writes N committed ticket events to the
outbox, then runs the AMQP relay (events.amqp.AmqpRelay: sequencing, reading by seq, publishing
persistent messages with publisher confirms, moving the cursor) until every event is confirmed,
for each batch size given. A consumer on an exclusive queue bound to the exchange counts what
arrives, so the figure is events the broker confirmed AND routed. Prints events/s per batch
size and the sequencer's own rate. The exchange (hotline.events.bench.<random>) and the
database are removed afterwards; the machine's broker is only used, never restarted.

Run: python bench/bench_outbox.py [--events 20000] [--batches 100,500,2000]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_AMQP (default amqp://guest:guest@127.0.0.1:5672/).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

import aio_pika
import psycopg
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.database import create_engine, create_sessionmaker
from core.migrate import upgrade
from core.timeutil import utcnow
from events.amqp import AmqpRelay, AmqpTarget
from events.sequence import consumer, last_sequenced, sequence_pending
from models import OutboxEvent

PG_ADMIN_DSN = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("HOTLINE_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
AUDIENCE = {"all": False, "user_ids": [], "roles": ["admin", "supervisor", "agent"], "unit_ids": [41, 7],
            "regional": True, "region_code": "510107"}


def make_database() -> tuple[str, str]:
    name = f"hotline_bench_outbox_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def write_events(maker, count: int) -> None:
    async with maker() as session:
        for start in range(0, count, 2000):
            rows = [{"type": "ticket.dispatched", "audience": AUDIENCE, "created_at": utcnow(), "attempts": 0,
                     "published_at": utcnow(),
                     "payload": {"ticket_id": n, "number": f"5101-20261201-{n:06d}", "status": "dispatched",
                                 "unit_id": 41, "category": "complaint", "region_code": "510107", "lead_unit_id": 41,
                                 "co_unit_ids": [7], "handle_due_at": "2026-12-15T09:00:00+00:00"}}
                    for n in range(start, min(start + 2000, count))]
            await session.execute(insert(OutboxEvent), rows)
        await session.commit()


async def run(events: int, batches: list[int]) -> None:
    name, url = make_database()
    upgrade(url)
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    exchange = f"hotline.events.bench.{secrets.token_hex(4)}"
    connection = await aio_pika.connect(AMQP_URL)
    received = 0
    try:
        channel = await connection.channel()
        declared = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(declared, routing_key="#")

        async def count(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            received += 1
            await message.ack()

        await queue.consume(count, no_ack=False)
        print(f"outbox relay to RabbitMQ ({AMQP_URL.split('@')[-1]}), {events} events per run, persistent, "
              f"publisher confirms, exchange {exchange}")
        for batch in batches:
            await write_events(maker, events)
            started = time.perf_counter()
            numbered = await sequence_pending(maker)
            sequencing = time.perf_counter() - started
            async with maker() as session:
                end = await last_sequenced(session)
            expected = received + events
            relay = AmqpRelay(maker, AmqpTarget(url=AMQP_URL, exchange=exchange), batch=batch)
            started = time.perf_counter()
            try:
                while await relay.relay_once():
                    pass
            finally:
                await relay.close()
            confirmed = time.perf_counter() - started
            deadline = time.monotonic() + 60
            while received < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            routed = time.perf_counter() - started
            async with maker() as session:
                position = (await consumer(session, "amqp")).position
                await session.commit()
            assert position == end, (position, end)
            print(f"  batch {batch:>5}: {events / confirmed:8.0f} events/s confirmed "
                  f"({confirmed:.2f} s), {events / routed:8.0f} events/s received by a consumer; "
                  f"sequencing {numbered / sequencing:8.0f} rows/s")
        # the broker's own ceiling here: the same messages, confirmed, without the database
        body = b'{"id":1,"seq":1,"type":"ticket.dispatched","data":{"ticket_id":1}}'
        confirming = await connection.channel(publisher_confirms=True)
        bare = await confirming.get_exchange(exchange)
        started, sent = time.perf_counter(), 0
        while sent < events:
            await asyncio.gather(*(bare.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                                                 message_id=str(n)), routing_key="ticket.dispatched")
                                   for n in range(sent, min(sent + 500, events))))
            sent = min(sent + 500, events)
        print(f"  broker alone (aio-pika, confirms, batches of 500, no database): "
              f"{events / (time.perf_counter() - started):8.0f} events/s")
        assert received >= events * len(batches)
    finally:
        channel = await connection.channel()
        await channel.exchange_delete(exchange)
        await connection.close()
        await engine.dispose()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batches", default="100,500,2000")
    args = parser.parse_args()
    asyncio.run(run(args.events, [int(b) for b in args.batches.split(",")]))


if __name__ == "__main__":
    main()
