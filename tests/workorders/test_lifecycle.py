"""A full lifecycle for every category (R-07 … R-21), through the API, as the hotline and the units see it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import SupervisionRecord
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


async def _history(client, headers, ticket_id) -> list[str]:
    response = await client.get(f"/api/v1/tickets/{ticket_id}/history", headers=headers)
    assert response.status_code == 200
    return [e["action"] for e in response.json()]


async def test_consultation_closed_when_satisfied(client, session):
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    lead = await login(client, "wh_zjj_lead")
    t = await create(client, agent, category="consultation", content="咨询武侯区老旧小区加装电梯补贴政策")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ"),
                                                       "note": "请答复补贴标准"})
    assert set(t["deadlines"]) >= {"dispatch_due_at", "sign_due_at", "return_due_at", "handle_due_at"}
    assert "first_response_due_at" not in t["deadlines"]
    t = await act(client, unit, t["id"], "sign")
    refused = await client.post(f"/api/v1/tickets/{t['id']}/actions/request_extension", headers=lead,
                                json={"days": 3, "reason": "需要调查", "caller_informed": True})
    assert refused.status_code == 422 and refused.json()["code"] == "not_extendable_category"
    t = await act(client, unit, t["id"], "complete", {"reply": "补贴标准为每台20万元，可向街道申请"})
    assert t["status"] == "completed"
    t = await act(client, agent, t["id"], "callback", {"result": "satisfied", "note": "诉求人表示满意"})
    assert t["status"] == "closed" and t["satisfaction"] == "satisfied"
    t = await act(client, agent, t["id"], "archive")
    assert t["status"] == "archived"
    history = (await client.get(f"/api/v1/tickets/{t['id']}/history", headers=agent)).json()
    assert [e["action"] for e in history] == ["create", "dispatch", "sign", "complete", "callback", "archive"]
    assert history[1]["note"] == "请答复补贴标准" and history[1]["actor_username"] == "agent1001"
    assert history[2]["actor_username"] == "wh_zjj" and history[2]["side"] == "unit"


async def test_help_with_extension_and_no_evaluation(client, session, resources):
    from workorders.tasks import run_pass

    agent, unit, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    t = await create(client, agent, category="help")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    t = await act(client, unit, t["id"], "sign")
    t = await act(client, unit, t["id"], "progress", {"note": "已联系物业，等待配件"})
    staff_try = await client.post(f"/api/v1/tickets/{t['id']}/actions/request_extension", headers=unit,
                                  json={"days": 5, "reason": "配件需从外地调货", "caller_informed": True})
    assert staff_try.status_code == 403  # the unit leader asks (TICKET_APPROVE)
    uninformed = await client.post(f"/api/v1/tickets/{t['id']}/actions/request_extension", headers=lead,
                                   json={"days": 5, "reason": "配件需从外地调货", "caller_informed": False})
    assert uninformed.status_code == 422
    too_long = await client.post(f"/api/v1/tickets/{t['id']}/actions/request_extension", headers=lead,
                                 json={"days": 16, "reason": "配件需从外地调货", "caller_informed": True})
    assert too_long.status_code == 422 and too_long.json()["code"] == "over_limit"
    due_before = t["deadlines"]["handle_due_at"]
    t = await act(client, lead, t["id"], "request_extension",
                  {"days": 5, "reason": "配件需从外地调货", "caller_informed": True})
    assert t["status"] == "extension_requested" and t["extension_requested_days"] == 5
    t = await act(client, agent, t["id"], "approve_extension", {"note": "同意延期5个工作日"})
    assert t["status"] == "in_progress" and t["extended_days"] == 5
    assert datetime.fromisoformat(t["deadlines"]["handle_due_at"]) > datetime.fromisoformat(due_before)
    t = await act(client, unit, t["id"], "complete", {"reply": "电梯已修复"})
    t = await act(client, agent, t["id"], "callback", {"result": "no_evaluation"})
    assert t["status"] == "no_evaluation" and "auto_close_due_at" in t["deadlines"]
    later = datetime.fromisoformat(t["deadlines"]["auto_close_due_at"])
    report = await run_pass(resources.sessionmaker, resources.redis, resources.settings, now=later)
    assert t["id"] in report.auto_closed
    t = (await client.get(f"/api/v1/tickets/{t['id']}", headers=agent)).json()
    assert t["status"] == "archived"
    assert (await _history(client, agent, t["id"]))[-2:] == ["auto_close", "archive"]


async def test_suggestion_returned_redispatched_remark_closed_disputed_and_screened(client, session):
    agent, unit, gov = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_gov")]
    zjj, cgj = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-CGJ")
    t = await create(client, agent, category="suggestion", domain="urban_management",
                     content="建议在玉林路增设垃圾分类投放点")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
    bad = await client.post(f"/api/v1/tickets/{t['id']}/actions/return", headers=unit, json={"reason": "非我单位职责"})
    assert bad.status_code == 422  # legal basis and suggested receiver are required
    t = await act(client, unit, t["id"], "return", {"reason": "垃圾分类属城管职责", "legal_basis": "《成都市生活垃圾管理条例》第五条",
                                                   "suggested_unit_id": cgj})
    assert t["status"] == "returned" and t["lead_unit_id"] is None
    assert (await client.get(f"/api/v1/tickets/{t['id']}", headers=unit)).status_code == 404  # no longer theirs
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": cgj})
    t = await act(client, gov, t["id"], "sign")  # 区政府 staff act for units below them
    t = await act(client, gov, t["id"], "complete", {"reply": "已纳入明年规划"})
    t = await act(client, agent, t["id"], "callback", {"result": "dissatisfied_unreasonable"})
    assert t["status"] == "remark_closed"
    staff = await client.post(f"/api/v1/tickets/{t['id']}/actions/dispute", headers=gov, json={"reason": "诉求超出政策"})
    assert staff.status_code == 403  # contesting is the leader's call
    records = (await session.scalars(select(SupervisionRecord).where(SupervisionRecord.ticket_id == t["id"]))).all()
    assert {r.kind for r in records} == {"return", "dissatisfied"}
    assert next(r for r in records if r.kind == "return").unit_id == zjj


async def test_dispute_and_screening(client, session):
    agent, unit, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    t = await create(client, agent, category="suggestion")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    t = await act(client, unit, t["id"], "sign")
    t = await act(client, unit, t["id"], "complete", {"reply": "已答复"})
    t = await act(client, agent, t["id"], "callback", {"result": "dissatisfied_unreasonable"})
    t = await act(client, lead, t["id"], "dispute", {"reason": "诉求人期望过高，已按政策答复"})
    assert t["status"] == "disputed"
    t = await act(client, agent, t["id"], "screen", {"upheld": True, "note": "甄别通过，不计入满意率"})
    assert t["status"] == "remark_closed" and t["screened_out"] is True
    again = await client.post(f"/api/v1/tickets/{t['id']}/actions/screen", headers=agent, json={"upheld": True})
    assert again.status_code == 409


async def test_complaint_goes_to_oversight_and_is_redone(client, session):
    agent, gov, lead = [await login(client, u) for u in ("agent1001", "wh_gov", "wh_zjj_lead")]
    zjj, whgov = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-GOV")
    t = await create(client, agent, category="complaint", complained_unit_id=zjj,
                     content="投诉武侯区住建交通局工作人员办理业务时态度恶劣、推诿")
    refused = await client.post(f"/api/v1/tickets/{t['id']}/actions/dispatch", headers=agent,
                                json={"lead_unit_id": zjj})
    assert refused.status_code == 422 and refused.json()["code"] == "complained_unit"
    suggestions = (await client.get(f"/api/v1/tickets/{t['id']}/dispatch-suggestions", headers=agent)).json()
    assert suggestions["suggestions"][0]["unit_id"] == whgov
    assert zjj not in [s["unit_id"] for s in suggestions["suggestions"]]
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": whgov})
    assert datetime.fromisoformat(t["deadlines"]["handle_due_at"]) > datetime.fromisoformat(t["deadlines"]["sign_due_at"])
    assert (await client.get(f"/api/v1/tickets/{t['id']}", headers=lead)).status_code == 404  # never seen by WH-ZJJ
    t = await act(client, gov, t["id"], "sign")
    t = await act(client, gov, t["id"], "complete", {"reply": "已约谈相关人员"})
    t = await act(client, agent, t["id"], "callback", {"result": "dissatisfied_reasonable"})
    assert t["status"] == "in_progress" and t["redo_count"] == 1  # R-18 重办
    t = await act(client, gov, t["id"], "complete", {"reply": "已调查处理并向诉求人说明"})
    t = await act(client, agent, t["id"], "callback", {"result": "satisfied"})
    assert t["status"] == "closed"
    assert t["callers"][0]["callback_round"] == 2


async def test_report_terminated_after_repeats(client, session):
    agent, unit, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    zjj = await unit_id(session, "WH-ZJJ")
    content = "举报玉林小区某住户违规拆除承重墙"
    first = await create(client, agent, category="report", content=content)
    first = await act(client, agent, first["id"], "dispatch", {"lead_unit_id": zjj})
    first = await act(client, unit, first["id"], "sign")
    first = await act(client, unit, first["id"], "complete", {"reply": "经核查已责令恢复"})
    first = await act(client, agent, first["id"], "callback", {"result": "satisfied"})
    second = await create(client, agent, category="report", content=content + "（再次来电）")
    second = await act(client, agent, second["id"], "dispatch", {"lead_unit_id": zjj})
    second = await act(client, unit, second["id"], "sign")
    wrong = await client.post(f"/api/v1/tickets/{second['id']}/actions/terminate", headers=lead,
                              json={"opinion": "已依法处理", "previous_ticket_ids": [second["id"]]})
    assert wrong.status_code == 422
    second = await act(client, lead, second["id"], "terminate",
                       {"opinion": "该事项已依法处理完毕，书面答复见附件", "previous_ticket_ids": [first["id"]]})
    assert second["status"] == "terminated"
    assert (await act(client, agent, second["id"], "archive"))["status"] == "archived"


async def test_special_urgent_matter_first_response_and_progress(client, session):
    agent, water = await login(client, "agent1001"), await login(client, "cd_water")
    t = await create(client, agent, category="help", special="special_urgent", domain="water",
                     content="武侯区多个小区大面积停水，水管爆裂", address="成都市武侯区浆洗街")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "CD-WATER")})
    first = datetime.fromisoformat(t["deadlines"]["first_response_due_at"])
    dispatched = datetime.fromisoformat(t["deadlines"]["dispatch_due_at"])
    assert first - datetime.fromisoformat(t["deadlines"]["sign_due_at"]) < (first - dispatched)  # sanity
    assert "progress_due_at" in t["deadlines"]
    t = await act(client, water, t["id"], "sign")
    t = await act(client, water, t["id"], "progress", {"kind": "first_response", "note": "抢修队已到场"})
    t = await act(client, water, t["id"], "progress", {"note": "预计今晚恢复供水"})
    t = await act(client, water, t["id"], "complete", {"reply": "已恢复供水"})
    assert t["overdue"] is False
