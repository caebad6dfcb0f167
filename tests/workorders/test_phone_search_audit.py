"""A search by a citizen's number is a personal-data search (R-35): the audit record names the
number searched, so an auditor can answer "who looked up this caller, and when"."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent
from tests.conftest import login
from tests.workorders.helpers import create

PHONE = "13722223333"


async def _searches(session) -> list[AuditEvent]:
    session.expire_all()
    return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data_searched")
                                       .order_by(AuditEvent.id))).all())


async def test_open_by_phone_audit_names_the_number(client, session):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent, caller={"name": "赵六", "phone": PHONE, "confidential": False})
    response = await client.get("/api/v1/tickets/open-by-phone", headers=agent, params={"phone": PHONE})
    assert response.status_code == 200, response.text
    (event,) = await _searches(session)
    assert event.actor_username == "agent1001"
    assert event.detail["phone"] == PHONE and event.detail["found"] == [ticket["id"]]

    nothing = await client.get("/api/v1/tickets/open-by-phone", headers=agent, params={"phone": "13900000000"})
    assert nothing.json() == []
    assert (await _searches(session))[-1].detail["phone"] == "13900000000"  # a miss is a search too


async def test_ticket_list_and_export_by_phone_are_audited_with_the_number(client, session):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent, caller={"name": "赵六", "phone": PHONE, "confidential": False})
    supervisor = await login(client, "supervisor")
    listed = await client.get("/api/v1/tickets", headers=supervisor, params={"phone": PHONE})
    assert listed.status_code == 200 and [t["id"] for t in listed.json()["items"]] == [ticket["id"]]
    exported = await client.get("/api/v1/tickets/export.csv", headers=supervisor, params={"phone": PHONE})
    assert exported.status_code == 200
    events = await _searches(session)
    assert [(e.actor_username, e.detail["where"], e.detail["phone"]) for e in events] == [
        ("supervisor", "list", PHONE), ("supervisor", "export", PHONE)]

    unfiltered = await client.get("/api/v1/tickets", headers=supervisor)
    assert unfiltered.status_code == 200
    assert len(await _searches(session)) == 2  # browsing without a number is no personal-data search
