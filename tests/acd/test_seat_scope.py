"""Seats are managed within the manager's organisation scope (R-31): a city centre's supervisor
sets the state and skills of the city's seats only, and lists only them; a handling unit's
leader sees the unit's own expert seats, not the whole hotline's staff."""
from __future__ import annotations

from sqlalchemy import select

from models import User
from organisation.service import unit_by_code
from tests.conftest import login


async def _city_agent(client, session, admin_headers) -> int:
    centre = await unit_by_code(session, "C510100-12345")
    made = await client.post("/api/v1/users", headers=admin_headers,
                             json={"username": "cd_agent", "password": "city-pass-2026", "role": "agent",
                                   "org_unit_id": centre.id, "extension": "5101"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def test_a_city_supervisor_manages_only_the_citys_seats(client, session, admin_headers):
    city_agent = await _city_agent(client, session, admin_headers)
    province_agent = await session.scalar(select(User.id).where(User.username == "agent1002"))
    chengdu = await login(client, "chengdu")

    own = await client.put(f"/api/v1/acd/agents/{city_agent}/state", json={"state": "ready"}, headers=chengdu)
    assert own.status_code == 200, own.text
    skills = await client.put(f"/api/v1/acd/agents/{city_agent}/skills", json={"skills": ["general"]},
                              headers=chengdu)
    assert skills.status_code == 200, skills.text

    logged_out = await client.put(f"/api/v1/acd/agents/{province_agent}/state", json={"state": "logged_out"},
                                  headers=chengdu)
    assert logged_out.status_code == 404
    moved = await client.put(f"/api/v1/acd/agents/{province_agent}/skills", json={"skills": ["enterprise"]},
                             headers=chengdu)
    assert moved.status_code == 404
    listed = {a["username"] for a in (await client.get("/api/v1/acd/agents", headers=chengdu)).json()}
    assert listed == {"cd_agent"}

    supervisor = await login(client, "supervisor")
    everyone = {a["username"] for a in (await client.get("/api/v1/acd/agents", headers=supervisor)).json()}
    assert {"cd_agent", "agent1002", "expert2001"} <= everyone
    province = await client.put(f"/api/v1/acd/agents/{province_agent}/skills", json={"skills": ["general"]},
                                headers=supervisor)
    assert province.status_code == 200


async def test_a_unit_leader_does_not_list_the_hotlines_seats(client):
    listed = (await client.get("/api/v1/acd/agents", headers=await login(client, "wh_zjj_lead"))).json()
    assert listed == []
