"""The stats worker (R-05, R-24, R-34): a call event makes every wallboard get new figures, an agent event
new agent states, a shortfall one alarm; several workers elect one publisher."""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from acd.store import AcdStore
from core.resources import Resources
from core.timeutil import utcnow
from events.bus import EventBus
from models import User
from stats.tasks import StatsWorker
from tests.stats.helpers import (
    Inbox,
    add_calls,
    committing_resources,
    make_call,
    running,
    stop_task,
    unique_queue,
)


@pytest.fixture
async def committing(settings, engine, seeded, redis):
    async with committing_resources(settings, engine, redis, stats_alarm_min_offered=5) as resources:
        yield resources


def _type(name):
    return lambda e: e["type"] == name


async def test_call_event_updates_figures_and_raises_one_alarm(committing):
    resources, queue = committing, unique_queue()
    bus = EventBus.for_resources(resources)
    async with Inbox(resources.redis, bus.channel) as inbox, running(StatsWorker(resources, interval=3600)):
        first = await inbox.wait_for(_type("stats.updated"))  # the worker's first pass
        offered = first["data"]["centre"]["today"]["offered"]
        async with resources.sessionmaker() as session:
            await add_calls(session, [make_call(utcnow() - timedelta(seconds=40), enter=0, answer=4, end=30,
                                                queue=queue)])
            await session.commit()
        await bus.publish("call.ended", {"call_id": 1})
        updated = await inbox.wait_for(lambda e: e["type"] == "stats.updated"
                                       and e["data"]["centre"]["today"]["offered"] == offered + 1)
        mine = next(s for s in updated["data"]["segments"] if s["id"] == f"queue:{queue}")
        assert (mine["15m"]["answered"], mine["today"]["answered_within_15s"], mine["name"]) == (1, 1, queue)
        async with resources.sessionmaker() as session:
            base = utcnow() - timedelta(minutes=2)
            await add_calls(session, [make_call(base, enter=i, end=i + 30, queue=queue) for i in range(6)])
            await session.commit()
        for _ in range(3):  # three events, one shortfall: one alarm
            await bus.publish("call.ended", {"call_id": 2})
        raised = await inbox.wait_for(lambda e: e["type"] == "alarm.raised" and e["data"]["segment_key"] == queue)
        assert (raised["data"]["offered"], raised["data"]["answered"]) == (7, 1)
        assert raised["audience"]["roles"] == ["supervisor", "admin"]
        await inbox.wait_for(lambda e: e["type"] == "stats.updated" and any(
            s["alarm_id"] == raised["data"]["id"] for s in e["data"]["segments"]))
        await bus.publish("call.ended", {"call_id": 3})
        await inbox.wait_for(_type("stats.updated"))
        assert not [e for e in inbox.events if e["type"] == "alarm.raised" and e["data"]["segment_key"] == queue]


async def test_agent_event_pushes_agent_states(committing):
    resources = committing
    bus = EventBus.for_resources(resources)
    acd = AcdStore(resources.redis)
    async with resources.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.username == "agent1003"))
    await acd.upsert_profile(user_id=user.id, username=user.username, display_name=user.display_name,
                             extension="1003", skills=frozenset({"general"}))
    async with Inbox(resources.redis, bus.channel) as inbox, running(StatsWorker(resources, interval=3600)):
        await inbox.wait_for(_type("stats.agents"))
        await acd.request_state(user.id, "not_ready", "培训", utcnow().timestamp())
        await bus.publish("agent.state", {"user_id": user.id})
        pushed = await inbox.wait_for(lambda e: e["type"] == "stats.agents" and e["data"]["agents"])
        [agent] = pushed["data"]["agents"]
        assert (agent["name"], agent["state"], agent["reason"], agent["extension"]) == ("话务员1003", "not_ready",
                                                                                        "培训", "1003")
        assert agent["since"] is not None


async def test_one_worker_publishes_and_another_takes_over(committing):
    resources = committing
    first = StatsWorker(resources, interval=3600, lease_seconds=0.6)
    second = StatsWorker(Resources(**{**resources.__dict__, "settings": resources.settings.replace(worker_id="second")}), interval=3600, lease_seconds=0.6)
    async with running(first):
        async with running(second):
            assert first.leading and not second.leading
        second_task = asyncio.create_task(second.run())
        await asyncio.wait_for(second.ready.wait(), 10)
    try:
        async with asyncio.timeout(5):
            while not second.leading:
                await asyncio.sleep(0.05)  # bounded poll of the lease hand-over
    finally:
        await stop_task(second_task, "the second stats worker")


async def test_a_busy_worker_always_stops(committing):
    """Stopped while its jobs talk to Redis and the database, the worker ends every time, within the bound:
    a job can lose its one cancellation there (core.tasks), so the worker cancels each job until it has ended."""
    bus, rnd = EventBus.for_resources(committing), random.Random(11)
    for _ in range(30):
        worker = StatsWorker(committing, interval=3600, min_gap=0)
        task = asyncio.create_task(worker.run())
        await asyncio.wait_for(worker.ready.wait(), 10)
        for _ in range(3):
            await bus.publish("agent.state", {})
            await bus.publish("call.ended", {})
        await asyncio.sleep(rnd.random() * 0.05)
        await stop_task(task, "a busy stats worker")
