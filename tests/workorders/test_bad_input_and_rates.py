"""No user input reaches a 500; personal data needs PERSONAL_DATA_READ; the rates R-06/R-21 count right."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.workorders.helpers import act, create, ticket_body, unit_id


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("POST", "/api/v1/tickets", {"json": ticket_body(content="停水\x00")}),
    ("POST", "/api/v1/tickets", {"json": ticket_body(caller={"name": "a\x00", "phone": "13800001111"})}),
    ("POST", "/api/v1/tickets", {"json": ticket_body(occurred_at="0001-01-01T00:00:00+14:00")}),
    ("POST", "/api/v1/tickets", {"json": ticket_body(received_at="0001-01-01T00:00:00+14:00")}),
    ("POST", "/api/v1/tickets", {"json": ticket_body(occurred_at="1850-01-01T00:00:00+08:00")}),
    ("POST", "/api/v1/tickets", {"json": ticket_body(occurred_at="9999-12-31T23:59:59-12:00")}),
    ("POST", "/api/v1/tickets", {"json": [1, 2]}),
    ("POST", "/api/v1/tickets", {"content": b"{not json"}),
    ("GET", "/api/v1/tickets", {"params": {"q": "a\x00b"}}),
    ("GET", "/api/v1/tickets", {"params": {"number": "\x00"}}),
    ("GET", "/api/v1/calendar/deadline", {"params": {"start": "9999-12-31T23:00:00-12:00", "hours": 1}}),
    ("GET", "/api/v1/calendar/deadline", {"params": {"start": "0001-01-01T00:00:00+14:00", "working_days": 1}}),
    ("POST", "/api/v1/policies/%00/activate", {}),
])
async def test_hostile_input_is_4xx(client, admin_headers, method, path, kwargs):
    response = await client.request(method, path, headers=admin_headers, **kwargs)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


async def test_extreme_filters_do_not_crash(client, admin_headers):
    for params, status in (({"created_from": "0001-01-01T00:00:00+14:00"}, 422),
                           ({"created_to": "9999-12-31T23:59:59-12:00"}, 422),
                           ({"created_from": "1901-01-01T00:00:00+14:00"}, 200),
                           ({"q": "%_\\"}, 200), ({"region": "51"}, 200), ({"offset": 1_000_000}, 200)):
        response = await client.get("/api/v1/tickets", headers=admin_headers, params=params)
        assert response.status_code == status, (params, response.text)
    nul = await client.get("/api/v1/tickets/duplicates", headers=admin_headers,
                           params={"content": "\x00\x00", "region_code": "510107"})
    assert nul.status_code == 200 and nul.json() == []  # compared in Python only, never sent to the database
    assert (await client.get("/api/v1/tickets/export.csv", headers=admin_headers,
                             params={"created_from": "0001-01-01T00:00:00+14:00"})).status_code == 422
    assert (await client.get("/api/v1/supervision/units", headers=admin_headers,
                             params={"since": "9999-12-31T23:59:59-12:00"})).status_code == 422


async def test_roles_without_personal_data_permission_see_no_identity(client, session):
    """An expert seat (no PERSONAL_DATA_READ) never sees names or phones, even of ordinary callers."""
    agent = await login(client, "agent1001")
    ticket = await create(client, agent, caller={"name": "周普通", "phone": "13522223333", "confidential": False})
    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    admin = await login(client, "admin")
    from access.permissions import ROLE_PERMISSIONS, Permission, Role

    assert Permission.PERSONAL_DATA_READ not in ROLE_PERMISSIONS[Role.EXPERT]
    from workorders.serialize import Viewer, caller_out
    from workorders.state_machine import Side

    class Row:  # a stored caller, as the serializer sees it
        id, name, phone, confidential, source_ticket_id, callback_result, callback_round = 1, "周普通", "135", False, 1, None, None
        hidden_from_units = False

    shown = caller_out(Row(), Viewer(side=Side.HOTLINE, personal=False), full=True)
    assert shown["name"] is None and shown["phone"] is None and shown["hidden"] is True
    full = (await client.get(f"/api/v1/tickets/{ticket['id']}", headers=admin)).json()
    assert full["callers"][0]["phone"] == "13522223333"


async def test_direct_answer_and_satisfaction_rates(client, session):
    agent, unit, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    supervisor = await login(client, "supervisor")
    before = (await client.get("/api/v1/supervision/rates", headers=supervisor)).json()
    await create(client, agent, category="consultation", direct_answer={"answer": "请携带身份证办理"})
    zjj = await unit_id(session, "WH-ZJJ")
    results = []
    for result in ("satisfied", "dissatisfied_unreasonable"):
        t = await create(client, agent)
        t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
        t = await act(client, unit, t["id"], "sign")
        t = await act(client, unit, t["id"], "complete", {"reply": "已处理"})
        results.append(await act(client, agent, t["id"], "callback", {"result": result}))
    after = (await client.get("/api/v1/supervision/rates", headers=supervisor)).json()
    assert after["accepted"] - before["accepted"] == 3
    assert after["direct_answered"] - before["direct_answered"] == 1
    assert after["evaluated"] - before["evaluated"] == 2 and after["satisfied"] - before["satisfied"] == 1
    disputed = await act(client, lead, results[1]["id"], "dispute", {"reason": "期望过高"})
    await act(client, agent, disputed["id"], "screen", {"upheld": True})
    screened = (await client.get("/api/v1/supervision/rates", headers=supervisor)).json()
    assert screened["evaluated"] - before["evaluated"] == 1  # screened out of the rate
    assert screened["screened_out"] - before["screened_out"] == 1
    assert (await client.get("/api/v1/supervision/rates", headers=agent)).status_code == 403
