"""Real calls through the real Asterisk (R-05, R-24, R-34): sipp callers on the carrier trunk pick the
enterprise queue (key 2); agent 1004's sipp phone answers three of them, two hang up while the agent is
not ready. The calls table then gives exactly offered 5, answered 3, abandoned 2, answer rate 60 %,
15-s service level 100 %, and the `hotline stats` worker process raises one alarm (and only one) for
the queue, pushed on the bus to supervisors and wallboards, stored as a supervision record."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import REPO_ROOT
from core.timeutil import utcnow
from models import AnswerRateAlarm, Call
from tests.conftest import login
from tests.telephony_fixtures import settings_env
from tests.telephony_sipp import wait_until

pytestmark = pytest.mark.timeout(240)
QUEUE = "enterprise"  # key 2 in the voice menu; agent 1004 holds the skill


@pytest.fixture
def stats_worker(telephony_settings, bus, tmp_path):
    """`hotline stats` as its own process (as `hotline up` runs it), alarms from 5 offered calls."""
    settings = telephony_settings.replace(stats_alarm_min_offered=5,
                                                     stats_alarm_interval_seconds=3600)
    log = tmp_path / "stats-worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "stats"], cwd=REPO_ROOT,
                                   env=settings_env(settings), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        bus.wait_for("stats.updated", timeout=30)  # subscribed and computing
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def _state(client, headers, state: str) -> None:
    body = {"state": state, **({"reason": "培训"} if state == "not_ready" else {})}
    response = await client.put("/api/v1/acd/agents/me/state", json=body, headers=headers)
    assert response.status_code == 200, response.text


def _alarms_raised(bus) -> list[dict]:
    return [m for m in bus.find("alarm.raised") if m["data"]["segment"] == f"queue:{QUEUE}"]


async def test_real_calls_give_the_exact_figures_and_one_alarm(
        asterisk, workers, sipp, bus, client, engine, tone_pcap, stats_worker, telephony_settings):
    started = utcnow()
    agent = await login(client, "agent1004")
    phone = sipp.phone("1004", asterisk.sip_password("1004"), audio=tone_pcap, calls=3)
    await _state(client, agent, "ready")
    call_ids: list[int] = []
    for n in range(3):  # answered, one after the other
        caller = sipp.caller(name=f"answered{n}", digits="2", audio=None, talk_ms=4000)
        queued = wait_until(lambda: next((m for m in bus.find("call.queued", queue=QUEUE)
                                          if m["data"]["call_id"] not in call_ids), None), 30, message="queued")
        call_ids.append(queued["data"]["call_id"])
        bus.wait_for("call.answered", timeout=20, call_id=call_ids[-1])
        assert caller.wait(30) == 0, caller.log_tail()
        assert bus.wait_for("call.ended", timeout=20, call_id=call_ids[-1])["data"]["disposition"] == "answered"
    assert phone.wait(20) == 0, phone.log_tail()

    await _state(client, agent, "not_ready")
    callers = [sipp.caller(name=f"abandoned{n}", number=f"1390000000{n}", digits="2", audio=None, talk_ms=4000)
               for n in range(2)]
    for caller in callers:
        assert caller.wait(30) == 0, caller.log_tail()
    ended = [bus.wait_for("call.ended", timeout=20, disposition="abandoned", caller_masked=f"139****000{n}")
             for n in range(2)]
    call_ids += [e["data"]["call_id"] for e in ended]

    supervisor = await login(client, "supervisor")
    figures = (await client.get("/api/v1/stats/answer-rate", headers=supervisor, params={
        "from": (started - timedelta(seconds=1)).isoformat(), "to": utcnow().isoformat(), "queue": QUEUE})).json()
    assert {k: figures[k] for k in ("offered", "answered", "abandoned", "answer_rate", "service_level_15s")} == {
        "offered": 5, "answered": 3, "abandoned": 2, "answer_rate": 0.6, "service_level_15s": 1.0}
    assert figures["abandon_rate"] == 0.4 and figures["meets_target"] is False

    alarm_event = bus.wait_for("alarm.raised", timeout=20, segment=f"queue:{QUEUE}")
    assert alarm_event["audience"]["roles"] == ["supervisor", "admin"]
    bus.wait_for("stats.updated", timeout=20)  # the worker's pass after the last call: nothing more to raise
    try:
        async with AsyncSession(engine) as session:
            alarms = (await session.scalars(select(AnswerRateAlarm).where(
                AnswerRateAlarm.segment_key == QUEUE, AnswerRateAlarm.raised_at >= started))).all()
            assert len(alarms) == 1 and len(_alarms_raised(bus)) == 1
            [alarm] = alarms
            assert alarm.cleared_at is None and alarm.answer_rate < 0.95 and "涉企事项" in alarm.notice
            window = {"from": (alarm.raised_at - timedelta(minutes=15)).isoformat(), "to": alarm.raised_at.isoformat(),
                      "queue": QUEUE}
            at_raise = (await client.get("/api/v1/stats/answer-rate", headers=supervisor, params=window)).json()
            assert (alarm.offered, alarm.answered) == (at_raise["offered"], at_raise["answered"])
            calls = (await session.scalars(select(Call).where(Call.id.in_(call_ids)))).all()
            assert sorted(c.disposition for c in calls) == ["abandoned"] * 2 + ["answered"] * 3
            assert all(c.entered_queue_at and c.queue == QUEUE for c in calls)
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(AnswerRateAlarm).where(AnswerRateAlarm.raised_at >= started))
            await session.commit()
