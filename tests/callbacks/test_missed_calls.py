"""On the real Asterisk (漏接回拨): a sipp caller who hangs up while waiting in the queue becomes a
callback task (two abandons of one number: one task), listed with its due time, masked for roles
without personal data; the task closes by itself once the number gets through to an agent."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from callbacks import service
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from tests.callbacks.helpers import citizen_phone, committing_client
from tests.conftest import login
from tests.telephony.helpers import ready, wait_call
from tests.telephony_sipp import wait_until

pytestmark = pytest.mark.timeout(240)


async def sync(engine, settings) -> dict[str, int]:
    async with UnitOfWork(async_sessionmaker(engine, expire_on_commit=False)()) as uow:
        return await service.sync_missed_calls(uow.session, settings, now=utcnow())


async def abandon(sipp, bus, engine, number: str, name: str, seen: set[int]) -> int:
    caller = sipp.caller(number=number, audio=None, talk_ms=7000, name=name)
    queued = wait_until(lambda: [e for e in bus.find("call.queued") if e["data"]["call_id"] not in seen], 30,
                        message="the caller queued")
    call_id = queued[0]["data"]["call_id"]
    seen.add(call_id)
    assert caller.wait(30) == 0, caller.log_tail()
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "abandoned"
    return call_id


async def test_an_abandoned_caller_becomes_a_task_that_closes_when_the_number_gets_through(
        asterisk, workers, sipp, bus, engine, side_engine, seeded, redis, telephony_settings, tone_pcap, forget):
    number = citizen_phone()
    seen: set[int] = set()
    first = await abandon(sipp, bus, engine, number, "first", seen)
    assert (await sync(engine, telephony_settings))["created"] >= 1
    second = await abandon(sipp, bus, engine, number, "second", seen)
    assert (await sync(engine, telephony_settings))["merged"] >= 1
    async with committing_client(telephony_settings, engine, side_engine, redis) as client:
        agent = await login(client, "agent1001")
        tasks = (await client.get("/api/v1/callbacks?kind=missed_call&status=open", headers=agent)).json()
        mine = [t for t in tasks if t["phone"] == number]
        assert len(mine) == 1, tasks
        task = mine[0]
        forget.tasks.append(task["id"])
        assert task["kind"] == "missed_call" and task["status"] == "open" and task["abandons"] == 2
        assert task["last_call_id"] == second and not task["overdue"]
        due = telephony_settings.callbacks.missed_callback_minutes
        created = task["created_at"]
        assert abs((utcnow() + timedelta(minutes=due)).timestamp() - _ts(task["due_at"])) < 120
        assert _ts(created) <= _ts(task["due_at"])
        bad = await client.get("/api/v1/callbacks?kind=nonsense", headers=agent)
        assert bad.status_code == 422
        # the number calls again and an agent answers: the task closes by itself
        phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap, name="agent-phone")
        await ready(client, "agent1001")
        caller = sipp.caller(number=number, audio=None, talk_ms=6000, name="through")
        answered = bus.wait_for("call.answered", timeout=40, caller_number=number)["data"]["call_id"]
        assert caller.wait(30) == 0 and phone.wait(30) == 0
        await wait_call(engine, answered, lambda c: c.ended_at is not None)
        assert (await sync(engine, telephony_settings))["closed"] >= 1
        done = (await client.get("/api/v1/callbacks?kind=missed_call&status=done", headers=agent)).json()
        figures = (await client.get("/api/v1/callbacks/figures", headers=agent)).json()
    closed = next(t for t in done if t["id"] == task["id"])
    assert closed["outcome"] == "got_through" and closed["status"] == "done"
    assert figures["done"] >= 1 and 0 < figures["callback_rate"] <= 1 and figures["done_in_time"] >= 1
    assert first < second < answered


def _ts(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()
