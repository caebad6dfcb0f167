"""Block list (R-26): supervisors warn, suspend (until a time) and lift; every change and
view is audited; agents cannot touch it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.service import search_query
from calls.blocking import block_decision, normalise_number
from tests.conftest import login


def test_decision_is_pure_time_logic():
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert block_decision("suspended", None, now) == "blocked"
    assert block_decision("suspended", now + timedelta(days=1), now) == "blocked"
    assert block_decision("suspended", now, now) is None  # suspension over
    assert block_decision("warned", None, now) == "warned"
    assert block_decision(None, None, now) is None


def test_numbers_are_normalised():
    assert normalise_number("+86 138-0013-8000") == "13800138000"
    assert normalise_number("008613800138000") == "13800138000"
    assert normalise_number("02887654321") == "02887654321"


async def test_warn_then_suspend_then_lift(client, session):
    sup = await login(client, "supervisor")
    response = await client.post("/api/v1/blocklist", headers=sup,
                                 json={"number": "+8613900139123", "status": "warned", "reason": "无理取闹多次"})
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["number"] == "13900139123" and entry["active"] and entry["status"] == "warned"
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    response = await client.post("/api/v1/blocklist", headers=sup,
                                 json={"number": "13900139123", "status": "suspended", "reason": "警告后仍骚扰",
                                       "until": until})
    assert response.status_code == 201 and response.json()["id"] == entry["id"]
    assert response.json()["status"] == "suspended"
    listing = (await client.get("/api/v1/blocklist", headers=sup)).json()
    assert [e["number"] for e in listing if e["number"] == "13900139123"] == ["13900139123"]
    assert (await client.delete(f"/api/v1/blocklist/{entry['id']}", headers=sup)).status_code == 204
    assert (await client.delete(f"/api/v1/blocklist/{entry['id']}", headers=sup)).status_code == 404
    actions = [e.action for e in (await session.scalars(search_query(resource_type="blocked_caller"))).all()]
    assert {"caller_blocked", "caller_block_changed", "caller_unblocked"} <= set(actions)


async def test_only_supervisors_and_valid_input(client):
    agent = await login(client, "agent1001")
    assert (await client.get("/api/v1/blocklist", headers=agent)).status_code == 403
    body = {"number": "13900139124", "status": "suspended", "reason": "骚扰"}
    assert (await client.post("/api/v1/blocklist", headers=agent, json=body)).status_code == 403
    sup = await login(client, "supervisor")
    for bad in ({**body, "status": "banned"}, {**body, "number": "abc"}, {**body, "reason": ""},
                {**body, "until": "2030-01-01T00:00:00"}, {**body, "extra": 1}):
        assert (await client.post("/api/v1/blocklist", headers=sup, json=bad)).status_code == 422, bad
