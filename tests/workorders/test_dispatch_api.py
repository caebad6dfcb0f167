"""Dispatch through the API (R-07 … R-09): suggestions, refusals, lead + co units, precedents."""
from __future__ import annotations

from sqlalchemy import select

from models import SupervisionRecord
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


async def test_suggestions_by_region_and_domain(client, session):
    agent = await login(client, "agent1001")
    t = await create(client, agent, domain=None, content="玉林小区楼下烧烤店油烟扰民")
    response = await client.get(f"/api/v1/tickets/{t['id']}/dispatch-suggestions", headers=agent)
    assert response.status_code == 200
    data = response.json()
    assert data["domain"] == "environment"  # guessed from the words
    assert data["suggestions"][0]["unit_id"] == await unit_id(session, "WH-CGJ")
    assert data["suggestions"][0]["reason"]
    forced = (await client.get(f"/api/v1/tickets/{t['id']}/dispatch-suggestions", headers=agent,
                               params={"domain": "housing"})).json()
    assert forced["suggestions"][0]["unit_id"] == await unit_id(session, "WH-ZJJ")
    unit = await login(client, "wh_zjj")
    assert (await client.get(f"/api/v1/tickets/{t['id']}/dispatch-suggestions", headers=unit)).status_code == 403


async def test_functional_matter_to_a_street_is_refused(client, session):
    agent = await login(client, "agent1001")
    t = await create(client, agent, region_code="510107003")
    response = await client.post(f"/api/v1/tickets/{t['id']}/actions/dispatch", headers=agent,
                                 json={"lead_unit_id": await unit_id(session, "WH-YL")})
    assert response.status_code == 422
    assert response.json()["code"] == "functional_matter_to_grassroots" and "乡镇街道" in response.json()["detail"]
    ok = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ"),
                                                        "co_unit_ids": [await unit_id(session, "WH-YL")]})
    assert {(a["role"], a["active"]) for a in ok["assignments"]} == {("lead", True), ("co", True)}


async def test_co_unit_reports_progress_but_cannot_lead(client, session):
    agent, gov_staff, water = await login(client, "agent1001"), await login(client, "wh_gov"), await login(client, "cd_water")
    t = await create(client, agent)
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ"),
                                                       "co_unit_ids": [await unit_id(session, "CD-WATER")]})
    denied = await client.post(f"/api/v1/tickets/{t['id']}/actions/sign", headers=water, json={})
    assert denied.status_code == 403 and denied.json()["code"] == "not_lead_unit"
    t = await act(client, gov_staff, t["id"], "sign")
    t = await act(client, water, t["id"], "progress", {"note": "已检查供水设施，无异常"})
    assert t["status"] == "in_progress"


async def test_precedent_is_recorded_followed_and_not_returnable(client, session):
    agent, water = await login(client, "agent1001"), await login(client, "cd_water")
    water_id, zjj = await unit_id(session, "CD-WATER"), await unit_id(session, "WH-ZJJ")
    content = "玉林小区二次供水设施老化，水压不足"
    first = await create(client, agent, content=content, domain="water")
    first = await act(client, agent, first["id"], "dispatch", {
        "lead_unit_id": water_id, "co_unit_ids": [zjj], "coordinated": True, "matter": "小区二次供水设施维护"})
    assert first["precedent_id"] is not None
    refused = await client.post(f"/api/v1/tickets/{first['id']}/actions/return", headers=water, json={
        "reason": "二次供水属物业", "legal_basis": "供水条例", "suggested_unit_id": zjj})
    assert refused.status_code == 409 and refused.json()["code"] == "ownership_decided"
    records = (await session.scalars(select(SupervisionRecord).where(SupervisionRecord.ticket_id == first["id"]))).all()
    assert [r.kind for r in records] == ["return_refused"]  # pushing back a decided matter is recorded
    later = await create(client, agent, content="武侯区某小区二次供水设施损坏", domain="water")
    suggestions = (await client.get(f"/api/v1/tickets/{later['id']}/dispatch-suggestions", headers=agent)).json()
    assert suggestions["suggestions"][0]["unit_id"] == water_id
    assert suggestions["suggestions"][0]["precedent_id"] == first["precedent_id"]
    conflict = await client.post(f"/api/v1/tickets/{later['id']}/actions/dispatch", headers=agent,
                                 json={"lead_unit_id": zjj})
    assert conflict.status_code == 409 and conflict.json()["code"] == "precedent_conflict"
    later = await act(client, agent, later["id"], "dispatch", {"lead_unit_id": water_id})
    assert later["precedent_id"] == first["precedent_id"]
    precedents = (await client.get("/api/v1/dispatch-precedents", headers=agent)).json()
    assert precedents[0]["matter"] == "小区二次供水设施维护" and precedents[0]["lead_unit_id"] == water_id


async def test_bad_dispatch_bodies(client, session):
    agent = await login(client, "agent1001")
    t = await create(client, agent)
    zjj = await unit_id(session, "WH-ZJJ")
    for body, status in (({"lead_unit_id": 2_147_483_000}, 422), ({"lead_unit_id": zjj, "co_unit_ids": [zjj]}, 422),
                         ({"lead_unit_id": 0}, 422), ({"lead_unit_id": "x"}, 422), ({}, 422),
                         ({"lead_unit_id": zjj, "domain": "astrology"}, 422),
                         ({"lead_unit_id": zjj, "coordinated": True}, 422),
                         ({"lead_unit_id": await unit_id(session, "C510100-12345")}, 422)):
        response = await client.post(f"/api/v1/tickets/{t['id']}/actions/dispatch", headers=agent, json=body)
        assert response.status_code == status, (body, response.text)
    unit = await login(client, "wh_zjj")
    assert (await client.post(f"/api/v1/tickets/{t['id']}/actions/dispatch", headers=unit,
                              json={"lead_unit_id": zjj})).status_code == 404  # not visible to the unit yet
