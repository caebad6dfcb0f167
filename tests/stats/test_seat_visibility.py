"""Per-seat data — every seat's name, state, not-ready reason and per-agent figures — is for the hotline
side (R-35): `stats:seats` (supervisors, admins, auditors), never the units' leaders, who keep the
aggregate figures (`stats:read`). A city centre's supervisor gets only its region's seats (R-31), over
REST (wallboard, segments) and over the /ws/wallboard socket alike."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from acd.store import AcdStore
from core.timeutil import utcnow
from events.bus import EventBus
from models import User
from organisation.service import unit_by_code
from tests.conftest import login
from tests.live_server import live_server
from tests.realtime.test_gateway import _open, _recv, _token
from tests.stats.helpers import add_calls, make_call

PAST = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def _seats(client, session, redis, admin_headers) -> tuple[int, int]:
    """Two signed-in seats: the province's agent1004 and a seat of the Chengdu centre, both not ready."""
    centre = await unit_by_code(session, "C510100-12345")
    made = await client.post("/api/v1/users", headers=admin_headers,
                             json={"username": "cd_seat", "password": "city-pass-2026", "role": "agent",
                                   "org_unit_id": centre.id, "extension": "5102"})
    assert made.status_code == 201, made.text
    city = made.json()["id"]
    province = await session.scalar(select(User.id).where(User.username == "agent1004"))
    acd = AcdStore(redis)
    for user_id, username, extension in ((province, "agent1004", "1004"), (city, "cd_seat", "5102")):
        await acd.upsert_profile(user_id=user_id, username=username, display_name=username, extension=extension,
                                 skills=frozenset({"general"}))
        await acd.request_state(user_id, "not_ready", "小休", utcnow().timestamp() - 30)
    return province, city


async def test_units_get_aggregates_without_seats(client, session, redis, admin_headers):
    province, _ = await _seats(client, session, redis, admin_headers)
    await add_calls(session, [make_call(PAST, enter=0, answer=3, end=63, queue="general", agent_id=province)])
    await session.commit()
    params = {"from": PAST.isoformat(), "to": (PAST + timedelta(hours=1)).isoformat()}
    leader = await login(client, "wh_zjj_lead")

    board = await client.get("/api/v1/stats/wallboard", headers=leader)
    assert board.status_code == 200 and board.json()["centre"]["today"] is not None
    assert board.json()["agents"] == []
    report = await client.get("/api/v1/stats/segments", params=params, headers=leader)
    assert report.status_code == 200 and report.json()["segments"]
    assert report.json()["agents"] == []
    assert (await client.get("/api/v1/stats/answer-rate", params=params, headers=leader)).status_code == 200

    auditor = await login(client, "auditor")
    assert province in {a["user_id"] for a in
                        (await client.get("/api/v1/stats/segments", params=params, headers=auditor)).json()["agents"]}


async def test_a_city_supervisor_sees_only_the_citys_seats(client, session, redis, admin_headers):
    province, city = await _seats(client, session, redis, admin_headers)
    await add_calls(session, [make_call(PAST, enter=0, answer=3, end=63, queue="general", agent_id=province),
                              make_call(PAST, enter=5, answer=8, end=70, queue="general", agent_id=city)])
    await session.commit()
    params = {"from": PAST.isoformat(), "to": (PAST + timedelta(hours=1)).isoformat()}
    chengdu = await login(client, "chengdu")

    seats = (await client.get("/api/v1/stats/wallboard", headers=chengdu)).json()["agents"]
    assert [(s["user_id"], s["state"], s["reason"]) for s in seats] == [(city, "not_ready", "小休")]
    agents = (await client.get("/api/v1/stats/segments", params=params, headers=chengdu)).json()["agents"]
    assert [a["user_id"] for a in agents] == [city]

    supervisor = await login(client, "supervisor")
    everyone = {s["user_id"] for s in (await client.get("/api/v1/stats/wallboard", headers=supervisor)).json()["agents"]}
    assert {province, city} <= everyone
    report = (await client.get("/api/v1/stats/segments", params=params, headers=supervisor)).json()["agents"]
    assert {province, city} <= {a["user_id"] for a in report}


async def test_the_wallboard_socket_pushes_seats_by_the_same_rule(client, session, resources, admin_headers):
    province, city = await _seats(client, session, resources.redis, admin_headers)
    tokens = {name: await _token(client, name) for name in ("supervisor", "chengdu", "wh_zjj_lead")}
    rows = [{"user_id": province, "name": "agent1004", "state": "not_ready", "reason": "小休", "region_code": "510000"},
            {"user_id": city, "name": "cd_seat", "state": "not_ready", "reason": "小休", "region_code": "510100"}]
    bus = EventBus.for_resources(resources)
    async with live_server(resources) as base:
        sockets = {}
        for name, token in tokens.items():  # one after the other: the test's connection serves one query at a time
            sockets[name] = await _open(base, "/ws/wallboard", token)
            assert (await _recv(sockets[name]))["op"] == "welcome"
        try:
            await bus.publish("stats.agents", {"generated_at": utcnow().isoformat(), "agents": rows})
            await bus.publish("stats.updated", {"marker": 1})  # every socket gets this aggregate afterwards
            received = {}
            for name, ws in sockets.items():
                frames = [await _recv(ws)]
                while frames[-1]["data"]["type"] != "stats.updated":
                    frames.append(await _recv(ws))
                received[name] = [f["data"] for f in frames[:-1]]
        finally:
            for ws in sockets.values():
                await ws.close()
    assert [{a["user_id"] for a in e["data"]["agents"]} for e in received["supervisor"]] == [{province, city}]
    assert [[a["user_id"] for a in e["data"]["agents"]] for e in received["chengdu"]] == [[city]]
    assert received["wh_zjj_lead"] == []
    assert "agent1004" not in json.dumps(received["chengdu"])
