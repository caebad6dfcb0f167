"""ACD API (R-05): an agent sets their own state; supervisors set anyone's and see live
agents and queues; the permission matrix holds."""
from __future__ import annotations

import time

from acd.store import AcdStore, QueuedCall
from tests.conftest import login


async def test_agent_sets_own_state(client):
    headers = await login(client, "agent1001")
    response = await client.put("/api/v1/acd/agents/me/state", json={"state": "ready"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "ready" and body["extension"] == "1001" and "general" in body["skills"]
    response = await client.put("/api/v1/acd/agents/me/state", json={"state": "not_ready", "reason": "午休"},
                                headers=headers)
    assert (response.json()["state"], response.json()["reason"]) == ("not_ready", "午休")
    me = (await client.get("/api/v1/acd/agents/me", headers=headers)).json()
    assert me["state"] == "not_ready"


async def test_bad_states_are_422(client):
    headers = await login(client, "agent1001")
    for body in ({"state": "on_call"}, {"state": "ready", "extra": 1}, {"state": "not_ready", "reason": "x" * 101}):
        assert (await client.put("/api/v1/acd/agents/me/state", json=body, headers=headers)).status_code == 422


async def test_supervisor_sets_any_agent_state_and_lists(client, session):
    from sqlalchemy import select

    from models import User

    uid = await session.scalar(select(User.id).where(User.username == "agent1002"))
    sup = await login(client, "supervisor")
    response = await client.put(f"/api/v1/acd/agents/{uid}/state", json={"state": "ready"}, headers=sup)
    assert response.status_code == 200 and response.json()["state"] == "ready"
    agents = {a["username"]: a for a in (await client.get("/api/v1/acd/agents", headers=sup)).json()}
    assert agents["agent1002"]["state"] == "ready"
    assert agents["agent1003"]["state"] == "logged_out"
    assert agents["expert2003"]["skills"] == ["expert:housing"]
    agent = await login(client, "agent1001")
    assert (await client.put(f"/api/v1/acd/agents/{uid}/state", json={"state": "ready"},
                             headers=agent)).status_code == 403
    assert (await client.get("/api/v1/acd/agents", headers=agent)).status_code == 403


async def test_queues_show_waiting_callers_and_longest_wait(client, redis):
    store = AcdStore(redis)
    now = time.time()
    await store.enqueue(QueuedCall(call_id=901, queue="enterprise", entered_at=now - 42, app="x"))
    await store.enqueue(QueuedCall(call_id=902, queue="enterprise", entered_at=now - 3, app="x"))
    queues = {q["name"]: q for q in (await client.get("/api/v1/acd/queues",
                                                       headers=await login(client, "supervisor"))).json()}
    assert queues["enterprise"]["waiting"] == 2 and 41 <= queues["enterprise"]["longest_wait_seconds"] <= 45
    assert queues["general"]["waiting"] == 0
    assert "expert:housing" in queues


async def test_skills_are_queue_names(client, session):
    from sqlalchemy import select

    from models import User

    uid = await session.scalar(select(User.id).where(User.username == "agent1003"))
    sup = await login(client, "supervisor")
    response = await client.put(f"/api/v1/acd/agents/{uid}/skills", json={"skills": ["general", "expert:market"]},
                                headers=sup)
    assert response.status_code == 200 and response.json() == ["expert:market", "general"]
    bad = await client.put(f"/api/v1/acd/agents/{uid}/skills", json={"skills": ["nonsense"]}, headers=sup)
    assert bad.status_code == 422


async def test_supervisor_marks_a_waiting_call_special_urgent(client, redis):
    store = AcdStore(redis)
    now = time.time()
    await store.enqueue(QueuedCall(call_id=911, queue="general", entered_at=now - 60, app="x"))
    await store.enqueue(QueuedCall(call_id=912, queue="general", entered_at=now - 5, app="x"))
    sup = await login(client, "supervisor")
    response = await client.put("/api/v1/acd/calls/912/urgency", json={"urgent": True}, headers=sup)
    assert response.status_code == 200 and response.json() == {"call_id": 912, "urgent": True}
    from acd.routing import call_order

    assert [c.call_id for c in call_order(c.waiting() for c in await store.waiting_calls())] == [912, 911]
    assert (await client.put("/api/v1/acd/calls/999/urgency", json={"urgent": True}, headers=sup)).status_code == 404
    agent = await login(client, "agent1001")
    assert (await client.put("/api/v1/acd/calls/912/urgency", json={"urgent": False},
                             headers=agent)).status_code == 403
