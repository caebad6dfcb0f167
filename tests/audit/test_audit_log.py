"""Audit log (R-35): changes and logins are recorded; nobody can edit the log."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from models import AuditEvent
from tests.conftest import login


async def test_changes_are_recorded_with_who_what_where(client, admin_headers):
    created = await client.post("/api/v1/org/units", headers=admin_headers,
                                json={"code": "AUD1", "name": "审计测试单位", "kind": "department", "level": "city",
                                      "region_code": "510100", "domains": ["housing"]})
    assert created.status_code == 201
    headers = await login(client, "auditor")
    events = (await client.get("/api/v1/audit/events?action=unit_created", headers=headers)).json()
    assert len(events) == 1
    event = events[0]
    assert event["actor_username"] == "admin"
    assert event["resource_type"] == "org_unit" and event["resource_id"] == str(created.json()["id"])
    assert event["detail"]["code"] == "AUD1"
    assert event["ip"] == "10.1.2.3" and event["request_id"]
    logins = (await client.get("/api/v1/audit/events?action=login&actor=auditor", headers=headers)).json()
    assert len(logins) == 1


async def test_api_offers_no_way_to_change_the_log(client):
    schema = (await client.get("/openapi.json")).json()
    audit_paths = {p: item for p, item in schema["paths"].items() if p.startswith("/api/v1/audit")}
    assert audit_paths
    assert all(set(item) == {"get"} for item in audit_paths.values())


@pytest.mark.parametrize("statement", [update(AuditEvent).values(action="tampered"), delete(AuditEvent)])
async def test_database_refuses_update_and_delete(session, statement):
    from audit.service import record

    await record(session, action="probe", actor_id=None, actor_username="t")
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(statement)
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("TRUNCATE audit_events"))
