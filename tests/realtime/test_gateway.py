"""Websocket gateways: versioned envelope, first-frame auth, close codes, pings, Redis fan-out."""
from __future__ import annotations

import asyncio
import json

import websockets

from core.resources import Resources
from events.bus import EventBus
from events.envelope import Audience
from realtime.messages import CloseCode
from tests.conftest import login
from tests.live_server import close_code, live_server


async def _token(client, username: str) -> str:
    return (await login(client, username))["Authorization"].split()[1]


async def _recv(ws, timeout: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))


async def _open(base: str, path: str, token: str):
    ws = await websockets.connect(f"ws://{base}{path}")
    await ws.send(json.dumps({"v": 1, "op": "auth", "data": {"token": token}}))
    return ws


async def _user_id(client, username: str) -> int:
    headers = await login(client, username)
    return (await client.get("/api/v1/auth/me", headers=headers)).json()["id"]


async def test_desktop_gets_only_its_own_events(client, resources):
    token = await _token(client, "agent1001")
    me = await _user_id(client, "agent1001")
    other = await _user_id(client, "agent1002")
    bus = EventBus.for_resources(resources)
    async with live_server(resources) as base, await _open(base, "/ws/desktop", token) as ws:
        welcome = await _recv(ws)
        assert welcome == {"v": 1, "op": "welcome", "code": None,
                           "data": {"user_id": me, "role": "agent", "username": "agent1001"}}
        await bus.publish("call.offered", {"call_id": 7}, audience=Audience(user_ids=[other]))
        await bus.publish("call.offered", {"call_id": 8}, audience=Audience(user_ids=[me]))
        frame = await _recv(ws)
        assert frame["op"] == "event"
        assert frame["data"]["type"] == "call.offered" and frame["data"]["data"] == {"call_id": 8}
        await bus.publish("notice", {"text": "全体注意"}, audience=Audience(roles=["agent"]))
        assert (await _recv(ws))["data"]["data"] == {"text": "全体注意"}


async def test_bad_auth_and_bad_frames_close_with_codes(client, resources):
    token = await _token(client, "agent1001")
    async with live_server(resources) as base:
        async with await _open(base, "/ws/desktop", "not-a-token") as ws:
            assert await close_code(ws) == CloseCode.UNAUTHORIZED
        async with websockets.connect(f"ws://{base}/ws/desktop") as ws:
            await ws.send("{not json")
            assert await close_code(ws) == CloseCode.PROTOCOL_ERROR
        async with await _open(base, "/ws/desktop", token) as ws:
            await _recv(ws)
            await ws.send(json.dumps({"v": 1, "op": "dance"}))
            assert await close_code(ws) == CloseCode.PROTOCOL_ERROR
        async with await _open(base, "/ws/wallboard", token) as ws:
            assert await close_code(ws) == CloseCode.FORBIDDEN


async def test_ping_pong_and_ping_timeout(client, resources):
    fast = Resources(**{**resources.__dict__, "settings": resources.settings.replace(ws_ping_seconds=0.2)})
    token = await _token(client, "agent1003")
    async with live_server(fast) as base, await _open(base, "/ws/desktop", token) as ws:
        await _recv(ws)
        for _ in range(3):  # answered pings keep the socket open
            assert (await _recv(ws))["op"] == "ping"
            await ws.send(json.dumps({"v": 1, "op": "pong"}))
        assert (await _recv(ws))["op"] == "ping"
        assert await close_code(ws) == CloseCode.PING_TIMEOUT


async def test_token_refresh_over_the_socket(client, resources):
    token = await _token(client, "agent1004")
    async with live_server(resources) as base, await _open(base, "/ws/desktop", token) as ws:
        await _recv(ws)
        await ws.send(json.dumps({"v": 1, "op": "token.refresh", "data": {"token": await _token(client, "agent1004")}}))
        assert (await _recv(ws))["op"] == "token.refreshed"
        await ws.send(json.dumps({"v": 1, "op": "token.refresh", "data": {"token": await _token(client, "agent1005")}}))
        assert await close_code(ws) == CloseCode.UNAUTHORIZED


async def test_fan_out_reaches_clients_of_every_api_instance(client, resources):
    """Two app instances (as two API processes would be) share one Redis: one publish reaches both."""
    supervisor = await _token(client, "supervisor")
    bus = EventBus.for_resources(resources)
    async with live_server(resources) as first, live_server(resources) as second:  # noqa: SIM117
        # opened one after the other: the test's database connection serves one query at a time
        async with await _open(first, "/ws/wallboard", supervisor) as a:
            assert (await _recv(a))["op"] == "welcome"
            async with await _open(second, "/ws/wallboard", supervisor) as b:
                assert (await _recv(b))["op"] == "welcome"
                await _fan_out(bus, a, b)


async def _fan_out(bus, a, b) -> None:
    receivers = await bus.publish("stats.updated", {"queue": "general", "waiting": 3})
    # both instances subscribe; Redis counts every subscriber of this run's channel, and a server of
    # an earlier test may still be closing its own — so at least two, and each client below gets it
    assert receivers >= 2
    for ws in (a, b):
        frame = await _recv(ws)
        assert frame["data"]["type"] == "stats.updated" and frame["data"]["data"]["waiting"] == 3
    await bus.publish("ticket.created", {"id": 1}, audience=Audience(all=True))  # not a wallboard type
    # events naming a caller never reach a big screen, whoever they are addressed to
    await bus.publish("call.offered", {"caller_number": "13800138000"}, audience=Audience(roles=["supervisor"]))
    await bus.publish("alarm.raised", {"queue": "general"})
    assert (await _recv(a))["data"]["type"] == "alarm.raised"
