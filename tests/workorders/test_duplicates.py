"""Duplicates while entering (R-07), merging (并单): every caller kept and called back; progress by phone."""
from __future__ import annotations

from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


async def test_candidates_are_offered_while_entering(client):
    agent = await login(client, "agent1001")
    water = await create(client, agent, content="玉林小区从昨天开始停水，至今没有恢复", domain="water",
                         caller={"name": "李四", "phone": "13900002222", "confidential": False})
    await create(client, agent, content="望江路工地夜间施工噪音扰民", address="成都市武侯区望江路",
                 region_code="510107002")
    await create(client, agent, content="春熙路玉林小区停水", region_code="510104", address="成都市锦江区")
    response = await client.get("/api/v1/tickets/duplicates", headers=agent, params={
        "content": "玉林小区停水两天了还没来水", "region_code": "510107", "address": "成都市武侯区玉林街道玉林小区"})
    assert response.status_code == 200
    hits = response.json()
    assert hits[0]["id"] == water["id"] and hits[0]["score"] > 0.3
    assert len(hits) == 1  # other place / other matter are not offered
    assert hits[0]["category"] == "help"
    city = await client.get("/api/v1/tickets/duplicates", headers=agent, params={
        "content": "玉林小区停水两天了还没来水", "region_code": "510100"})  # only the city chosen yet
    assert water["id"] in [h["id"] for h in city.json()]
    assert "13900002222" not in response.text and "李四" not in response.text
    for params in ({"content": "x", "region_code": "510107"}, {"content": "停水停水", "region_code": "abc"},
                   {"content": "停水停水", "region_code": "510107", "days": 0}):
        assert (await client.get("/api/v1/tickets/duplicates", headers=agent, params=params)).status_code == 422
    unit = await login(client, "wh_zjj")
    assert (await client.get("/api/v1/tickets/duplicates", headers=unit,
                             params={"content": "停水停水", "region_code": "510107"})).status_code == 403


async def test_merge_keeps_every_caller_and_calls_everyone_back(client, session):
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    a = await create(client, agent, caller={"name": "甲", "phone": "13000000001", "confidential": False})
    b = await create(client, agent, caller={"name": "乙", "phone": "13000000002", "confidential": False})
    c = await create(client, agent, caller={"name": "丙", "phone": "13000000003", "confidential": True})
    merged = await client.post(f"/api/v1/tickets/{a['id']}/merge", headers=agent,
                               json={"duplicate_ids": [b["id"], c["id"]], "note": "同一电梯故障"})
    assert merged.status_code == 200, merged.text
    assert len(merged.json()["callers"]) == 3
    b_now = (await client.get(f"/api/v1/tickets/{b['id']}", headers=agent)).json()
    assert b_now["status"] == "merged" and b_now["merged_into_id"] == a["id"]
    again = await client.post(f"/api/v1/tickets/{a['id']}/merge", headers=agent, json={"duplicate_ids": [b["id"]]})
    assert again.status_code == 409
    itself = await client.post(f"/api/v1/tickets/{a['id']}/merge", headers=agent, json={"duplicate_ids": [a["id"]]})
    assert itself.status_code == 422
    t = await act(client, agent, a["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    t = await act(client, unit, t["id"], "sign")
    t = await act(client, unit, t["id"], "complete", {"reply": "电梯已修复"})
    callers = t["callers"]
    t = await act(client, agent, t["id"], "callback", {"result": "satisfied", "caller_id": callers[0]["id"]})
    assert t["status"] == "completed"  # two callers still to be called back
    t = await act(client, agent, t["id"], "callback", {"result": "satisfied", "caller_id": callers[1]["id"]})
    t = await act(client, agent, t["id"], "callback", {"result": "dissatisfied_unreasonable",
                                                       "caller_id": callers[2]["id"]})
    assert t["status"] == "remark_closed"
    assert sorted(c["callback_result"] for c in t["callers"]) == ["dissatisfied_unreasonable", "satisfied", "satisfied"]
    foreign = await client.post(f"/api/v1/tickets/{a['id']}/actions/callback", headers=agent,
                                json={"result": "satisfied", "caller_id": 2_147_483_000})
    assert foreign.status_code == 409  # closed already: illegal before anything else


async def test_open_tickets_by_phone_tell_the_progress(client, session):
    agent = await login(client, "agent1001")
    t = await create(client, agent, caller={"name": "王五", "phone": "13711112222", "confidential": False})
    await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ"),
                                                   "note": "已转武侯区住建交通局"})
    closed = await create(client, agent, caller={"name": "王五", "phone": "13711112222", "confidential": False},
                          disposition={"kind": "legal_channel", "note": "已告知通过诉讼解决"})
    response = await client.get("/api/v1/tickets/open-by-phone", headers=agent, params={"phone": "13711112222"})
    assert response.status_code == 200
    found = response.json()
    assert [f["id"] for f in found] == [t["id"]] and closed["id"] not in [f["id"] for f in found]
    assert found[0]["status"] == "dispatched" and found[0]["last_step"]["note"] == "已转武侯区住建交通局"
    assert (await client.get("/api/v1/tickets/open-by-phone", headers=agent,
                             params={"phone": "abc"})).status_code == 422
    unit = await login(client, "wh_zjj")
    assert (await client.get("/api/v1/tickets/open-by-phone", headers=unit,
                             params={"phone": "13711112222"})).status_code == 403
