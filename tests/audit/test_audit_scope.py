"""Audit log scope (R-31, R-35): a city centre's auditors and admins read what their region's
staff did, never the province's log (it names callers' numbers and other regions' work)."""
from __future__ import annotations

from audit.service import record
from organisation.service import unit_by_code
from tests.conftest import login


async def _city_account(client, session, admin_headers, username: str, role: str) -> dict[str, str]:
    centre = await unit_by_code(session, "C510100-12345")
    made = await client.post("/api/v1/users", headers=admin_headers,
                             json={"username": username, "password": "city-pass-2026", "role": role,
                                   "org_unit_id": centre.id})
    assert made.status_code == 201, made.text
    return await login(client, username, "city-pass-2026")


async def test_a_city_auditor_reads_only_the_city_staffs_events(client, session, admin_headers):
    city_auditor = await _city_account(client, session, admin_headers, "cd_auditor", "auditor")
    await login(client, "chengdu")  # the city's own supervisor signs in
    province_view = await client.post("/api/v1/blocklist", headers=admin_headers,
                                      json={"number": "13800005555", "status": "warned", "reason": "骚扰"})
    assert province_view.status_code == 201

    events = (await client.get("/api/v1/audit/events?limit=1000", headers=city_auditor)).json()
    actors = {e["actor_username"] for e in events}
    assert "chengdu" in actors and "cd_auditor" in actors
    assert "admin" not in actors and "auditor" not in actors
    assert "13800005555" not in str(events)  # the province's block-list entry stays out of sight
    filtered = await client.get("/api/v1/audit/events?action=caller_blocked", headers=city_auditor)
    assert filtered.status_code == 200 and filtered.json() == []


async def test_a_city_admin_cannot_read_the_province_log(client, session, admin_headers):
    city_admin = await _city_account(client, session, admin_headers, "cd_admin", "admin")
    await record(session, action="login_failed", actor_id=None, actor_username="somebody")
    await session.commit()
    events = (await client.get("/api/v1/audit/events?limit=1000", headers=city_admin)).json()
    actors = {e["actor_username"] for e in events}
    # their own city's staff only (other tests' Chengdu staff may be on record too): never the
    # province's accounts, and never an event without an actor in their city
    assert "cd_admin" in actors and not actors & {"admin", "auditor", "supervisor", "somebody"}


async def test_the_province_auditor_still_reads_everything(client, session, admin_headers):
    await _city_account(client, session, admin_headers, "cd_auditor2", "auditor")
    await record(session, action="login_failed", actor_id=None, actor_username="somebody")
    await session.commit()
    events = (await client.get("/api/v1/audit/events?limit=1000", headers=await login(client, "auditor"))).json()
    actors = {e["actor_username"] for e in events}
    assert {"admin", "cd_auditor2", "somebody", "auditor"} <= actors


async def test_reading_the_log_is_itself_recorded(client):
    """The log names callers' numbers, so who read it, and what they looked for, is on record (R-35)."""
    auditor = await login(client, "auditor")
    first = await client.get("/api/v1/audit/events?action=caller_blocked&limit=5", headers=auditor)
    assert first.status_code == 200
    reads = (await client.get("/api/v1/audit/events?action=audit_viewed", headers=auditor)).json()
    assert reads and reads[0]["actor_username"] == "auditor"
    assert reads[0]["detail"] == {"action": "caller_blocked", "count": len(first.json())}
    assert reads[0]["resource_type"] == "audit_log"
