"""Who receives call events on /ws/desktop (R-17, R-25, R-31, R-35): recording.ready only the
call's seats and its region's supervisors; call events only within the region's scope (never
handling units); caller numbers masked for recipients without personal:read."""
from __future__ import annotations

import asyncio
import json

import websockets
from sqlalchemy import select

from acd.events import AcdNotifier, AgentStateChanged, QueueStats
from calls.events import CallNotifier, CallOffered, CallStarted, RecordingReady
from events.bus import EventBus
from events.envelope import Audience
from models import User
from tests.conftest import login
from tests.live_server import live_server

SOCKETS = ("agent1001", "agent1002", "chengdu", "supervisor", "wh_zjj", "expert2001")
CHENGDU, MIANYANG, PROVINCE = "510107", "510703", "510000"


async def _open(client, base: str, username: str):
    token = (await login(client, username))["Authorization"].split()[1]
    ws = await websockets.connect(f"ws://{base}/ws/desktop")
    await ws.send(json.dumps({"v": 1, "op": "auth", "data": {"token": token}}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert welcome["op"] == "welcome"
    return ws


async def _until_sentinel(ws) -> list[dict]:
    """Every event frame up to the sentinel (events on one socket arrive in publishing order)."""
    received = []
    async with asyncio.timeout(10):
        while True:
            frame = json.loads(await ws.recv())
            if frame["op"] != "event":
                continue
            if frame["data"]["type"] == "test.sentinel":
                return received
            received.append(frame["data"])


async def test_call_events_reach_only_their_audience(client, session, resources):
    ids = dict((await session.execute(select(User.username, User.id).where(User.username.in_(SOCKETS)))).all())
    bus = EventBus.for_resources(resources)
    calls, acd = CallNotifier(bus), AcdNotifier(bus)
    async with live_server(resources) as base:
        sockets = {name: await _open(client, base, name) for name in SOCKETS}
        try:
            # a recording of a Chengdu call answered by agent1001 (as the worker publishes it)
            await calls.recording_ready(RecordingReady(recording_id=5, call_id=50, duration_seconds=3),
                                        seats=(ids["agent1001"],), region_code=CHENGDU)
            # a call of another city, broadcast with the masked number
            await calls.call_started(CallStarted(call_id=51, caller_masked="138****0051"), region_code=MIANYANG)
            # an expert seat is offered a province call: named, so it gets it, with the number masked
            await calls.call_offered(CallOffered(
                call_id=52, agent_id=ids["expert2001"], extension="2001", queue="expert:hr",
                caller_number="13855550052", waited_seconds=1.0), region_code=PROVINCE)
            # a seat's state and not-ready reason: its own desktop only (supervisors watch the wallboard)
            await acd.agent_state_changed(AgentStateChanged(
                agent_id=ids["agent1002"], username="agent1002", extension="1002", state="ready"))
            # queue figures are province-wide aggregates: every desktop
            await acd.queue_stats(QueueStats(queue="general", waiting=1, longest_wait_seconds=2))
            await bus.publish("test.sentinel", {}, audience=Audience(all=True))
            got = {name: await _until_sentinel(ws) for name, ws in sockets.items()}
        finally:
            for ws in sockets.values():
                await ws.close()

    def types(name: str) -> list[str]:
        return [e["type"] for e in got[name]]

    assert types("agent1001") == ["recording.ready", "call.started", "queue.stats"]
    assert types("agent1002") == ["call.started", "agent.state", "queue.stats"]  # not its recording
    assert types("supervisor") == ["recording.ready", "call.started", "call.offered", "queue.stats"]
    assert types("chengdu") == ["recording.ready", "queue.stats"]  # its region's recording only
    assert types("wh_zjj") == ["queue.stats"]  # a handling unit: no call event at all
    assert types("expert2001") == ["call.offered", "queue.stats"]
    offered = {name: next(e for e in got[name] if e["type"] == "call.offered")["data"]
               for name in ("supervisor", "expert2001")}
    assert offered["supervisor"]["caller_number"] == "13855550052"
    assert offered["expert2001"]["caller_number"] == "138****0052"  # no personal:read: masked
