"""Reliability on the real Asterisk (R-01 7×24, R-05): two workers racing for the same
agents, a worker killed with -9 while a call is bridged and another waits, and an Asterisk
restart. Nothing in the database is lost or left dangling."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import utcnow
from models import Call, Recording
from tests.conftest import login
from tests.telephony.helpers import call_events, fetch_call, ready, wait_call

pytestmark = pytest.mark.timeout(300)


async def calls_of(engine, numbers: list[str], since) -> list[Call]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(Call).where(Call.caller_number.in_(numbers), Call.started_at >= since)
                                     .order_by(Call.id))
        return list(rows.all())


def offers_never_overlap(bus, extension: str) -> None:
    """An agent is offered a call only when free again: between two offers the ACD released them
    (wrap-up after a conversation, ready after an unanswered offer). The call's own call.ended may
    come later than the next offer: the agent is released before the recording is filed."""
    timeline = [(datetime.fromisoformat(m["at"]), m["type"], m["data"].get("call_id"), m["data"].get("state"))
                for m in bus.messages
                if m["type"] in ("call.offered", "agent.state") and m["data"].get("extension") == extension]
    holding = None
    for _, kind, call_id, state in sorted(timeline, key=lambda row: row[0]):
        if kind == "call.offered":
            assert holding is None, f"{extension} offered call {call_id} while still holding {holding}"
            holding = call_id
        elif state in ("wrap_up", "ready", "not_ready", "logged_out"):
            holding = None
    assert holding is None, f"{extension} never released after call {holding}"


async def test_two_workers_race_for_the_same_agents(asterisk, workers, sipp, bus, client, engine):
    second = workers.start()
    first = workers.alive[0]
    since = utcnow()
    numbers = [f"1390000100{i}" for i in range(4)]
    callers = []
    for number in numbers:  # queued one after the other: the routing hint alternates the workers
        callers.append(sipp.caller(number=number, audio=None, talk_ms=25000, name=f"caller-{number}"))
        bus.wait_for("call.queued", timeout=30, caller_masked=f"{number[:3]}****{number[-4:]}")
    apps = {c.app for c in await calls_of(engine, numbers, since)}
    assert apps == {first.app, second.app}, apps
    phones = [sipp.phone(ext, asterisk.sip_password(ext), talk_ms=1500, calls=2, name=f"agent-{ext}")
              for ext in ("1001", "1002")]
    await ready(client, "agent1001")  # every wake-up reaches both workers' dispatchers: they race
    await ready(client, "agent1002")
    for number in numbers:
        masked = f"{number[:3]}****{number[-4:]}"
        call_id = bus.wait_for("call.queued", caller_masked=masked)["data"]["call_id"]
        bus.wait_for("call.ended", timeout=60, call_id=call_id)
    for phone in phones:
        assert phone.wait(20) == 0, phone.log_tail()
    for extension in ("1001", "1002"):
        offers_never_overlap(bus, extension)
    rows = await calls_of(engine, numbers, since)
    assert [c.disposition for c in rows] == ["answered"] * 4
    assert {c.agent_id for c in rows} == {(await user_id(engine, "agent1001")), (await user_id(engine, "agent1002"))}
    for caller in callers:
        caller.kill()


async def test_worker_killed_mid_call_is_taken_over(asterisk, workers, sipp, bus, client, engine, ari, tone_pcap,
                                                    long_tone_pcap):
    doomed = workers.alive[0]
    phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap, name="agent-1001")
    await ready(client, "agent1001")
    talking = sipp.caller(number="13900002001", audio=long_tone_pcap, hang_up=False, name="talking")
    bridged_id = bus.wait_for("call.answered", timeout=30, caller_number="13900002001")["data"]["call_id"]
    waiting = sipp.caller(number="13900002002", audio=None, hang_up=False, name="waiting")
    waiting_id = bus.wait_for("call.queued", timeout=30, caller_masked="139****2002")["data"]["call_id"]

    doomed.kill()  # SIGKILL: no goodbye, no cleanup
    bridged = await fetch_call(engine, bridged_id)
    before = await ari.channels.rtpstatistics(channelId=bridged.channel_id)
    await rtp_grows(ari, bridged.channel_id, before, packets=50)  # still talking, no worker alive

    heir = workers.start()  # a second worker takes over the dead one's application
    answering = sipp.phone("1002", asterisk.sip_password("1002"), name="agent-1002")
    await ready(client, "agent1002")
    answered = bus.wait_for("call.answered", timeout=40, call_id=waiting_id)  # the waiting caller is served
    assert answered["data"]["extension"] == "1002"
    assert (await fetch_call(engine, waiting_id)).app == doomed.app  # same call, adopted app
    supervisor = await login(client, "supervisor")
    for call_id in (bridged_id, waiting_id):  # call control reaches the heir through the command channel
        response = await client.post(f"/api/v1/calls/{call_id}/hangup", headers=supervisor)
        assert response.status_code == 200, response.text
    for proc in (talking, waiting, phone, answering):
        assert proc.wait(20) == 0, proc.log_tail()
    bridged = await wait_call(engine, bridged_id, lambda c: c.ended_at is not None)
    waited = await wait_call(engine, waiting_id, lambda c: c.ended_at is not None)
    assert bridged.disposition == "answered" and bridged.recording_id is not None
    assert waited.disposition == "answered" and waited.entered_queue_at is not None
    assert "resumed" in [e.type for e in await call_events(engine, bridged_id)]
    async with AsyncSession(engine) as session:
        recording = await session.get(Recording, bridged.recording_id)
    assert recording.duration_seconds > 2  # recorded across the worker's death
    agents = {a["username"]: a["state"] for a in (await client.get("/api/v1/acd/agents",
                                                                  headers=supervisor)).json()}
    assert agents["agent1001"] in ("wrap_up", "ready") and agents["agent1002"] in ("wrap_up", "ready")
    assert heir.alive


async def test_asterisk_restart_worker_reconnects_and_closes_lost_calls(asterisk, workers, sipp, bus, client,
                                                                       engine):
    worker = workers.alive[0]
    lost = sipp.caller(number="13900003001", audio=None, hang_up=False, name="lost")
    lost_id = bus.wait_for("call.queued", timeout=30, caller_masked="139****3001")["data"]["call_id"]
    asterisk.restart()
    lost.kill()
    workers.redis.hdel(f"hotline:node:{asterisk.settings.telephony.ari_host}:{asterisk.settings.telephony.ari_port}:live", worker.app)
    workers.wait_ready(worker, timeout=30)  # reconnected by itself, re-synced, live again
    call = await wait_call(engine, lost_id, lambda c: c.ended_at is not None)
    assert call.disposition == "abandoned"  # closed (seen hanging up at shutdown, or at the re-sync)
    phone = sipp.phone("1003", asterisk.sip_password("1003"), name="agent-1003")
    await ready(client, "agent1003")
    caller = sipp.caller(number="13900003002", audio=None, talk_ms=9000, name="after-restart")
    bus.wait_for("call.answered", timeout=30, caller_number="13900003002")
    assert caller.wait(30) == 0 and phone.wait(15) == 0
    assert worker.alive


async def rtp_grows(ari, channel_id: str, before: dict, *, packets: int, timeout: float = 10.0) -> None:
    """Both RTP directions of the channel move on by `packets` (bounded wait)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        now = await ari.channels.rtpstatistics(channelId=channel_id)
        if now["rxcount"] - before["rxcount"] >= packets and now["txcount"] - before["txcount"] >= packets:
            return
        assert loop.time() < deadline, f"RTP stalled: {before} -> {now}"
        await asyncio.sleep(0.1)  # sampling the counters, bounded by the deadline


async def user_id(engine, username: str) -> int:
    from models import User

    async with AsyncSession(engine) as session:
        return await session.scalar(select(User.id).where(User.username == username))


async def test_redis_flushed_while_a_caller_waits(asterisk, workers, sipp, bus, client, engine):
    """Redis restarted empty (live ACD state lost): the waiting caller is put back into the
    ACD at its place, the worker keeps its application, the agent who goes ready takes it."""
    caller = sipp.caller(number="13900004001", audio=None, hang_up=False, name="waiting")
    call_id = bus.wait_for("call.queued", timeout=30, caller_masked="139****4001")["data"]["call_id"]
    workers.redis.flushdb()
    phone = sipp.phone("1002", asterisk.sip_password("1002"), name="agent-1002")
    headers = await ready(client, "agent1002")
    answered = bus.wait_for("call.answered", timeout=20, call_id=call_id)
    assert answered["data"]["extension"] == "1002"
    hangup = await client.post(f"/api/v1/calls/{call_id}/hangup", headers=headers)
    assert hangup.status_code == 200, hangup.text
    assert caller.wait(20) == 0 and phone.wait(20) == 0
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "answered" and workers.alive[0].alive
