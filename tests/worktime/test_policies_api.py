"""Time-limit policy as data (R-10 … R-15): versions published by administrators; tickets keep theirs."""
from __future__ import annotations

import copy
from datetime import datetime

from sqlalchemy import select

from models import AuditEvent
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id
from worktime import DEFAULT_POLICY


async def _active(client, headers) -> dict:
    response = await client.get("/api/v1/policies/active", headers=headers)
    assert response.status_code == 200
    return response.json()


async def test_seeded_with_the_default_policy(client):
    headers = await login(client, "agent1001")
    active = await _active(client, headers)
    assert active["version"] == DEFAULT_POLICY.version and active["active"] is True
    assert active["body"]["handling_working_days"]["complaint"] == 15
    versions = (await client.get("/api/v1/policies", headers=headers)).json()
    assert [v["version"] for v in versions] == [DEFAULT_POLICY.version]


async def test_publish_a_new_version_without_code_changes(client, admin_headers, session):
    body = copy.deepcopy((await _active(client, admin_headers))["body"])
    body["version"] = "test-2027-a"
    body["handling_working_days"]["help"] = 3
    response = await client.post("/api/v1/policies", headers=admin_headers, json={"policy": body, "note": "试行"})
    assert response.status_code == 201, response.text
    assert (await _active(client, admin_headers))["version"] == "test-2027-a"
    audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "policy_published"))
    assert audit.resource_id == "test-2027-a"
    versions = (await client.get("/api/v1/policies", headers=admin_headers)).json()
    assert [v["active"] for v in versions] == [False, True]


async def test_each_ticket_keeps_the_version_it_was_created_under(client, admin_headers, session):
    agent = await login(client, "agent1001")
    old = await create(client, agent)
    assert old["policy_version"] == DEFAULT_POLICY.version
    body = copy.deepcopy((await _active(client, admin_headers))["body"])
    body["version"], body["handling_working_days"]["help"] = "test-2027-b", 2
    assert (await client.post("/api/v1/policies", headers=admin_headers, json={"policy": body})).status_code == 201
    new = await create(client, agent)
    assert new["policy_version"] == "test-2027-b"
    zjj = await unit_id(session, "WH-ZJJ")
    old = await act(client, agent, old["id"], "dispatch", {"lead_unit_id": zjj})
    new = await act(client, agent, new["id"], "dispatch", {"lead_unit_id": zjj})
    old_days = datetime.fromisoformat(old["deadlines"]["handle_due_at"]) - datetime.fromisoformat(old["deadlines"]["sign_due_at"])
    new_days = datetime.fromisoformat(new["deadlines"]["handle_due_at"]) - datetime.fromisoformat(new["deadlines"]["sign_due_at"])
    assert new_days < old_days  # 2 WD instead of 7, both counted from the same dispatch
    assert old["policy_version"] == DEFAULT_POLICY.version


async def test_invalid_policies_are_422_and_names_are_immutable(client, admin_headers):
    body = copy.deepcopy((await _active(client, admin_headers))["body"])
    duplicate = await client.post("/api/v1/policies", headers=admin_headers, json={"policy": body})
    assert duplicate.status_code == 409
    for broken in ({**body, "version": "x1", "sign_working_days": 0},
                   {**body, "version": "x2", "handling_working_days": {"help": 3}},
                   {**body, "version": "x3", "colour": "red"},
                   {**body, "version": "x4", "non_extendable_categories": ["nonsense"]},
                   {**body, "version": "x5", "special": {"first_response_hours": "four", "progress_working_days": 3}},
                   {**body, "version": ""}):
        response = await client.post("/api/v1/policies", headers=admin_headers, json={"policy": broken})
        assert response.status_code == 422, (broken, response.text)
    assert (await client.post("/api/v1/policies", headers=admin_headers, json={"policy": []})).status_code == 422


async def test_activate_rolls_back_and_only_admins_publish(client, admin_headers):
    body = copy.deepcopy((await _active(client, admin_headers))["body"])
    body["version"] = "test-2027-c"
    await client.post("/api/v1/policies", headers=admin_headers, json={"policy": body})
    rolled = await client.post(f"/api/v1/policies/{DEFAULT_POLICY.version}/activate", headers=admin_headers)
    assert rolled.status_code == 200 and rolled.json()["active"] is True
    assert (await client.post("/api/v1/policies/nope/activate", headers=admin_headers)).status_code == 404
    for username in ("supervisor", "agent1001", "wh_zjj_lead"):
        headers = await login(client, username)
        body["version"] = f"by-{username}"
        assert (await client.post("/api/v1/policies", headers=headers, json={"policy": body})).status_code == 403




async def test_active_version_cache_follows_changes_made_elsewhere(session, redis):
    """Another process activates a version and bumps the token: our cached answer follows."""
    from worktime import policy_to_dict, service

    assert await service.active_version_name(session, redis) == DEFAULT_POLICY.version
    body = {**policy_to_dict(DEFAULT_POLICY), "version": "elsewhere-1"}
    await service.publish(session, body=body, note=None, actor="other")
    assert await service.active_version_name(session, redis) == DEFAULT_POLICY.version  # cached
    await service.bump_policy_token(redis)
    assert await service.active_version_name(session, redis) == "elsewhere-1"
