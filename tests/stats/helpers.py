"""Call records for the stats tests, written through the telephony engineer's `Call` model."""
from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import create_sessionmaker, create_side_engine
from core.kv import subscription_messages
from core.resources import Resources
from core.tasks import cancel_and_wait
from models import AnswerRateAlarm
from models.call import Call
from stats.tasks import StatsWorker

_serial = itertools.count(1)
STOP_SECONDS = 15.0  # a worker, a subscription, a clean-up ends within this or the test fails, never hangs


def unique_queue(label: str = "q") -> str:
    """A queue name no other test uses: the session database also holds calls other tests committed
    (the telephony tests' real calls), so exact figures are asserted on a queue of one's own."""
    return f"stats-{label}-{uuid.uuid4().hex[:8]}"


def make_call(base: datetime, *, enter: float | None, answer: float | None = None, end: float | None = None,
              disposition: str | None = None, queue: str | None = "general", agent_id: int | None = None) -> Call:
    """A call whose times are seconds after base (None = not reached)."""
    at = (lambda s: None if s is None else base + timedelta(seconds=s))
    if disposition is None and end is not None:
        disposition = "answered" if answer is not None else "abandoned"
    started = at(min(x for x in (enter, answer, end, 0.0) if x is not None) - 8)  # about 8 s in the voice menu
    return Call(channel_id=f"stats-test-{next(_serial)}-{random.random():.12f}", app="hotline",
                caller_number="13800000000", phase="ended" if end is not None else "queued", disposition=disposition,
                queue=queue if enter is not None else None, agent_id=agent_id, started_at=started,
                entered_queue_at=at(enter), answered_at=at(answer), ended_at=at(end))


async def add_calls(session: AsyncSession, calls: list[Call]) -> list[Call]:
    session.add_all(calls)
    await session.flush()
    return calls


def random_calls(base: datetime, count: int, *, seed: int, queues=("general", "enterprise", "expert:housing"),
                 span_seconds: float = 3600) -> list[Call]:
    """A reproducible mix with every outcome and the boundary cases (exactly 15 s, short abandons)."""
    rnd = random.Random(seed)
    calls = []
    for _ in range(count):
        enter = round(rnd.uniform(0, span_seconds), 3)
        queue = rnd.choice(queues)
        kind = rnd.choice(("answered", "answered", "answered", "abandoned", "waiting", "ivr", "transferred", "talking"))
        wait = rnd.choice((0.0, 3.0, 14.999, 15.0, 15.001, rnd.uniform(0, 90)))
        if kind == "answered":
            calls.append(make_call(base, enter=enter, answer=enter + wait, end=enter + wait + rnd.uniform(5, 400),
                                   queue=queue, agent_id=None))
        elif kind == "talking":
            calls.append(make_call(base, enter=enter, answer=enter + wait, queue=queue))
        elif kind == "abandoned":
            calls.append(make_call(base, enter=enter, end=enter + wait, queue=queue))
        elif kind == "waiting":
            calls.append(make_call(base, enter=enter, queue=queue))
        elif kind == "transferred":
            calls.append(make_call(base, enter=enter, end=enter + wait, disposition="transferred", queue=queue))
        else:
            calls.append(make_call(base, enter=None, end=enter, disposition=rnd.choice(("ivr_ended", "blocked", "emergency"))))
    return calls


@contextlib.asynccontextmanager
async def committing_resources(settings, engine, redis, **overrides) -> AsyncIterator[Resources]:
    """Resources whose sessions really commit (for a worker or server running beside the test, each on its
    own connections); the calls and alarms they made are deleted afterwards."""
    resources = Resources(settings=settings.replace(**overrides), engine=engine,
                          sessionmaker=create_sessionmaker(engine), redis=redis,
                          secret_key=settings.security.secret_key.get_secret_value(),
                          side_engine=create_side_engine(engine))
    try:
        yield resources
    finally:
        if resources.side_engine is not engine:
            await resources.side_engine.dispose()
        async with resources.sessionmaker() as session:
            # a row lock some transaction left behind fails the test here instead of hanging it
            await session.execute(text(f"SET LOCAL lock_timeout = '{int(STOP_SECONDS * 1000)}ms'"))
            await session.execute(delete(AnswerRateAlarm))
            await session.execute(delete(Call).where(Call.channel_id.like("stats-test-%")))
            await session.commit()


class Inbox:
    """Every bus event from now on, with a bounded wait for the one a test expects."""

    def __init__(self, redis, channel: str) -> None:
        self.redis, self.channel, self.events, self._new = redis, channel, [], asyncio.Condition()

    async def __aenter__(self):
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self.channel)
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self):
        async for message in subscription_messages(self._pubsub):
            async with self._new:
                self.events.append(json.loads(message["data"]))
                self._new.notify_all()

    async def wait_for(self, predicate, timeout: float = 5.0) -> dict:
        async with asyncio.timeout(timeout), self._new:
            while True:
                for event in self.events:
                    if predicate(event):
                        self.events.remove(event)
                        return event
                await self._new.wait()

    async def __aexit__(self, *exc):
        await stop_task(self._task, "the inbox's reader")
        async with asyncio.timeout(STOP_SECONDS):
            await self._pubsub.aclose()


async def stop_task(task: asyncio.Task, what: str) -> None:
    """Cancel task until it has ended (core.tasks), at most STOP_SECONDS: failing with its stack, not hanging."""
    if not await cancel_and_wait(task, timeout=STOP_SECONDS):
        stack = io.StringIO()
        task.print_stack(file=stack)
        raise AssertionError(f"{what} did not stop within {STOP_SECONDS} s:\n{stack.getvalue()}")
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()


@contextlib.asynccontextmanager
async def running(worker: StatsWorker):
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        yield worker
    finally:
        await stop_task(task, "the stats worker")
