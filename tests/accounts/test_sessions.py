"""Access changes end sessions at once (R-35): sockets close in every API process, the seat
leaves the ACD, `token.refresh` re-reads the user; city centres manage only their region."""
from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from sqlalchemy import select, update

from acd import states
from acd.store import AcdStore
from events.bus import EventBus
from events.envelope import Audience
from models import OrgUnit, User
from realtime.messages import CloseCode
from tests.conftest import login
from tests.live_server import close_code, live_server


async def _token(client, username: str, password: str | None = None) -> str:
    return (await login(client, username, password))["Authorization"].split()[1]


async def _socket(base: str, token: str):
    ws = await websockets.connect(f"ws://{base}/ws/desktop")
    await ws.send(json.dumps({"v": 1, "op": "auth", "data": {"token": token}}))
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert frame["op"] == "welcome"
    return ws


async def _user(session, username: str) -> User:
    return await session.scalar(select(User).where(User.username == username))


async def _ready(client, username: str) -> None:
    headers = await login(client, username)
    response = await client.put("/api/v1/acd/agents/me/state", json={"state": "ready"}, headers=headers)
    assert response.status_code == 200 and response.json()["state"] == "ready", response.text


@pytest.mark.parametrize(("change", "code"), [
    ({"active": False}, CloseCode.UNAUTHORIZED),
    ({"password": "a-brand-new-pass"}, CloseCode.UNAUTHORIZED),
    ({"role": "expert"}, CloseCode.FORBIDDEN),
])
async def test_access_change_closes_sockets_of_another_process_and_logs_the_seat_out(
        client, resources, session, admin_headers, change, code):
    user = await _user(session, "agent1002")
    await _ready(client, "agent1002")
    store = AcdStore(resources.redis)
    assert (await store.get_agent(user.id)).state.state == states.READY
    # the socket lives in another app instance (another API process); the change goes through `client`
    async with live_server(resources) as base, await _socket(base, await _token(client, "agent1002")) as ws:
        response = await client.patch(f"/api/v1/users/{user.id}", json=change, headers=admin_headers)
        assert response.status_code == 200, response.text
        assert await close_code(ws) == code
    agent = await store.get_agent(user.id)
    assert agent.state.state == states.LOGGED_OUT
    assert str(user.id) not in await resources.redis.smembers(store.agents_key)  # never offered a call


async def test_a_busy_seat_is_logged_out_when_its_call_ends(client, resources, session, admin_headers):
    user = await _user(session, "agent1003")
    await _ready(client, "agent1003")
    store = AcdStore(resources.redis)
    agent = await store.get_agent(user.id)
    assert await store.seize(user_id=user.id, call_id=77, now=1.0) == 1  # on a call (ringing)
    response = await client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers)
    assert response.status_code == 200
    agent = await store.get_agent(user.id)
    assert agent.state.pending_state == states.LOGGED_OUT
    await store.call_ended(user.id, 77, now=2.0, wrap_up_seconds=30)
    assert (await store.get_agent(user.id)).state.state == states.LOGGED_OUT


async def test_own_password_change_closes_ones_sockets(client, resources):
    headers = await login(client, "agent1004")
    async with live_server(resources) as base, await _socket(base, headers["Authorization"].split()[1]) as ws:
        response = await client.post("/api/v1/auth/password", headers=headers,
                                     json={"current_password": "demo-pass-2026", "new_password": "another-pass-1"})
        assert response.status_code == 204
        assert await close_code(ws) == CloseCode.UNAUTHORIZED


async def test_a_display_name_change_keeps_the_socket(client, resources, session, admin_headers):
    user = await _user(session, "agent1005")
    async with live_server(resources) as base, await _socket(base, await _token(client, "agent1005")) as ws:
        response = await client.patch(f"/api/v1/users/{user.id}", json={"display_name": "新名字"},
                                      headers=admin_headers)
        assert response.status_code == 200
        await EventBus.for_resources(resources).publish("notice", {"n": 1}, audience=Audience(user_ids=[user.id]))
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert frame["data"]["type"] == "notice"  # the revocation signal was never sent nor forwarded


async def test_revocation_of_another_user_leaves_a_socket_alone(client, resources, session):
    me = await _user(session, "agent1001")
    other = await _user(session, "agent1002")
    async with live_server(resources) as base, await _socket(base, await _token(client, "agent1001")) as ws:
        bus = EventBus.for_resources(resources)
        await bus.publish("session.revoked", {"user_id": other.id, "reasons": ["disabled"]},
                          audience=Audience(user_ids=[me.id]))
        await bus.publish("notice", {"n": 2}, audience=Audience(user_ids=[me.id]))
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert frame["data"]["type"] == "notice"


async def test_token_refresh_rereads_the_user(client, resources, session):
    """A role changed behind the socket's back (no signal): the next refresh closes it (4003)."""
    user = await _user(session, "expert2001")
    token = await _token(client, "expert2001")
    async with live_server(resources) as base, await _socket(base, token) as ws:
        await session.execute(update(User).where(User.id == user.id).values(role="agent"))
        await session.commit()
        await ws.send(json.dumps({"v": 1, "op": "token.refresh", "data": {"token": token}}))
        assert await close_code(ws) == CloseCode.FORBIDDEN
    async with live_server(resources) as base, await _socket(base, token) as ws:
        await session.execute(update(User).where(User.id == user.id).values(active=False))
        await session.commit()
        await ws.send(json.dumps({"v": 1, "op": "token.refresh", "data": {"token": token}}))
        assert await close_code(ws) == CloseCode.UNAUTHORIZED


async def test_a_disabled_seat_cannot_be_put_back_in_the_acd(client, session, admin_headers):
    user = await _user(session, "agent1001")
    await client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers)
    supervisor = await login(client, "supervisor")
    response = await client.put(f"/api/v1/acd/agents/{user.id}/state", json={"state": "ready"}, headers=supervisor)
    assert response.status_code == 404


# ---------------------------------------------------------------- region scope (R-31, R-35)
async def _unit_id(session, code: str) -> int:
    return await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


async def test_a_city_admin_manages_only_users_of_its_region(client, session, admin_headers):
    chengdu = await _unit_id(session, "C510100-12345")
    made = await client.post("/api/v1/users", headers=admin_headers, json={
        "username": "cd_admin", "password": "cd-admin-pass", "role": "admin", "org_unit_id": chengdu})
    assert made.status_code == 201
    city = await login(client, "cd_admin", "cd-admin-pass")
    inside = await client.post("/api/v1/users", headers=city, json={
        "username": "wh_new", "password": "wh-new-pass1", "role": "unit_staff",
        "org_unit_id": await _unit_id(session, "WH-ZJJ")})
    assert inside.status_code == 201, inside.text
    outside_unit = await _unit_id(session, "SC-RST")  # a province department
    refused = await client.post("/api/v1/users", headers=city, json={
        "username": "sc_new", "password": "sc-new-pass1", "role": "unit_staff", "org_unit_id": outside_unit})
    assert refused.status_code == 403
    assert await session.scalar(select(User.id).where(User.username == "sc_new")) is None
    province_agent = await _user(session, "agent1001")
    for change in ({"active": False}, {"role": "admin"}, {"password": "taken-over-1"}):
        response = await client.patch(f"/api/v1/users/{province_agent.id}", json=change, headers=city)
        assert response.status_code == 404
    moved_out = await client.patch(f"/api/v1/users/{inside.json()['id']}", json={"org_unit_id": outside_unit},
                                   headers=city)
    assert moved_out.status_code == 403
    await session.refresh(province_agent)
    assert province_agent.active and province_agent.role == "agent"
    # the city centre's supervisor (demo `chengdu`) sees only its region's users and, holding no
    # user:write, changes none (supervisors do not administer accounts anywhere)
    supervisor = await login(client, "chengdu")
    seen = {u["username"] for u in (await client.get("/api/v1/users?limit=1000", headers=supervisor)).json()}
    assert {"wh_zjj", "cd_water", "chengdu", "wh_new"} <= seen and not seen & {"agent1001", "admin", "expert2001"}
    assert (await client.post("/api/v1/users", headers=supervisor, json={
        "username": "cd_sup_new", "password": "cd-sup-pass1", "role": "unit_staff",
        "org_unit_id": await _unit_id(session, "WH-ZJJ")})).status_code == 403
    # the province admin still manages everyone
    assert (await client.patch(f"/api/v1/users/{inside.json()['id']}", json={"org_unit_id": outside_unit},
                               headers=admin_headers)).status_code == 200


async def test_null_fields_in_a_user_update_change_nothing(client, session, admin_headers):
    user = await _user(session, "wh_gov")
    response = await client.patch(f"/api/v1/users/{user.id}", json={"role": None, "display_name": None},
                                  headers=admin_headers)
    assert response.status_code == 200 and response.json()["role"] == "unit_staff"
