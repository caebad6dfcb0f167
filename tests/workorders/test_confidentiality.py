"""R-25: a handling unit never sees a confidential caller's or any reporter's name or phone; R-35: views audited."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from models import AuditEvent, TicketCaller
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id

SECRET_NAME, SECRET_PHONE = "赵保密", "13912345678"
REPORTER_NAME, REPORTER_PHONE = "钱举报", "13887654321"
OPEN_NAME, OPEN_PHONE = "孙公开", "13611112222"


async def _setup(client, session) -> tuple[dict, dict, dict]:
    agent = await login(client, "agent1001")
    zjj = await unit_id(session, "WH-ZJJ")
    confidential = await create(client, agent, caller={"name": SECRET_NAME, "phone": SECRET_PHONE, "confidential": True},
                                content="小区电梯长期故障，物业不作为")
    report = await create(client, agent, category="report", caller={"name": REPORTER_NAME, "phone": REPORTER_PHONE,
                                                                      "confidential": False},
                          content="举报玉林小区物业公司挪用维修基金")
    plain = await create(client, agent, caller={"name": OPEN_NAME, "phone": OPEN_PHONE, "confidential": False},
                         content="小区路灯不亮")
    for ticket in (confidential, report, plain):
        await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": zjj})
    return confidential, report, plain


async def test_unit_responses_never_contain_hidden_identities(client, session):
    confidential, report, plain = await _setup(client, session)
    hidden = (SECRET_NAME, SECRET_PHONE, REPORTER_NAME, REPORTER_PHONE)
    for username in ("wh_zjj", "wh_zjj_lead", "wh_gov"):
        unit = await login(client, username)
        texts = []
        for ticket in (confidential, report):
            detail = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=unit)
            assert detail.status_code == 200
            caller = detail.json()["callers"][0]
            assert caller["hidden"] is True and caller["name"] is None and caller["phone"] is None
            texts += [detail.text, (await client.get(f"/api/v1/tickets/{ticket['id']}/history", headers=unit)).text]
            texts += await unit_side_texts(client, unit, ticket, ticket["content"][:4])
        listing = await client.get("/api/v1/tickets", headers=unit, params={"limit": 200})
        assert {confidential["id"], report["id"]} <= {t["id"] for t in listing.json()["items"]}
        search = await client.get("/api/v1/tickets", headers=unit, params={"q": "维修基金"})
        assert [t["id"] for t in search.json()["items"]] == [report["id"]]
        export = await client.get("/api/v1/tickets/export.csv", headers=unit)
        assert export.status_code == 200 and "number" in export.text
        overdue = await client.get("/api/v1/supervision/overdue", headers=unit)
        texts += [listing.text, search.text, export.text, overdue.text]
        if username == "wh_zjj":
            signed = await client.post(f"/api/v1/tickets/{report['id']}/actions/sign", headers=unit, json={})
            texts.append(signed.text)
        for text in texts:
            for secret in hidden:
                assert secret not in text, (username, secret)
        by_phone = await client.get("/api/v1/tickets", headers=unit, params={"phone": REPORTER_PHONE})
        assert by_phone.status_code == 403  # no probing who reported what
    unit = await login(client, "wh_zjj")
    shown = (await client.get(f"/api/v1/tickets/{plain['id']}", headers=unit)).json()["callers"][0]
    assert (shown["name"], shown["phone"]) == (OPEN_NAME, OPEN_PHONE)  # an ordinary caller is visible to the unit


async def test_hotline_views_of_identity_are_audited_and_lists_masked(client, session):
    confidential, report, _ = await _setup(client, session)
    supervisor = await login(client, "supervisor")
    before = await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    detail = (await client.get(f"/api/v1/tickets/{report['id']}", headers=supervisor)).json()
    assert (detail["callers"][0]["name"], detail["callers"][0]["phone"]) == (REPORTER_NAME, REPORTER_PHONE)
    await client.get(f"/api/v1/tickets/{report['id']}", headers=supervisor)
    views = (await session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                            AuditEvent.action == "personal_data_viewed"))).all()
    assert len(views) == 2 and all(v.actor_username == "supervisor" and v.resource_id == str(report["id"])
                                   for v in views)  # one record per view
    listing = await client.get("/api/v1/tickets", headers=supervisor, params={"limit": 200})
    assert SECRET_PHONE not in listing.text and "139****5678" in listing.text
    export = await client.get("/api/v1/tickets/export.csv", headers=supervisor)
    assert SECRET_PHONE in export.text
    exported = await session.scalar(select(AuditEvent).where(AuditEvent.id > before,
                                                             AuditEvent.action == "personal_data_viewed",
                                                             AuditEvent.detail["where"].as_string() == "export"))
    assert exported is not None and confidential["id"] in exported.detail["ticket_ids"]
    by_phone = await client.get("/api/v1/tickets", headers=supervisor, params={"phone": SECRET_PHONE})
    assert [t["id"] for t in by_phone.json()["items"]] == [confidential["id"]]


async def test_csv_cells_cannot_carry_formulas(client, session):
    """The ticket export (the platform's CSV export): typed text never becomes a formula (R-35)."""
    agent = await login(client, "agent1001")
    typed = {"=HYPERLINK(\"http://x\")小区停水": "@SUM(A1)玉林街", "+1+cmd|' /C calc'!A0": "-2+3 路口",
             "-1 小区积水": "=1+1 号"}
    numbers = set()
    for index, (content, address) in enumerate(typed.items()):
        ticket = await create(client, agent, content=content, address=address, domain="water",
                              caller={"name": "=cmd" if index == 0 else "@周", "phone": "+86138000011" + f"{index:02d}",
                                      "confidential": False})
        numbers.add(ticket["number"])
    export = await client.get("/api/v1/tickets/export.csv", headers=agent)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    ours = [r for r in rows if r["number"] in numbers]
    assert {r["content"] for r in ours} == {"'" + c for c in typed}
    assert {r["address"] for r in ours} == {"'" + a for a in typed.values()}
    assert {r["caller_name"] for r in ours} == {"'=cmd", "'@周"}
    assert all(r["caller_phone"].startswith("'+86") for r in ours)
    for row in rows:  # nothing in the whole file starts like a formula
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row


# --- every unit-facing response, after merges, returns, redos (R-25) ---------------------------

UNIT_USERS = ("wh_zjj", "wh_zjj_lead")


async def unit_side_texts(client, headers: dict, ticket: dict, word: str) -> list[str]:
    """Every response a unit user can get that concerns this ticket (reads, refusals included)."""
    tid, texts = ticket["id"], []
    for path, params in (
        (f"/api/v1/tickets/{tid}", None), (f"/api/v1/tickets/{tid}/history", None),
        ("/api/v1/tickets", {"limit": 200}), ("/api/v1/tickets", {"q": word}),
        ("/api/v1/tickets", {"number": ticket["number"]}), ("/api/v1/tickets/export.csv", None),
        ("/api/v1/tickets/export.csv", {"number": ticket["number"]}), ("/api/v1/supervision/overdue", None),
        ("/api/v1/supervision/records", {"ticket_id": tid}),
    ):
        response = await client.get(path, headers=headers, params=params)
        assert response.status_code == 200, (path, response.text)
        texts.append(response.text)
    shown = (await client.get(f"/api/v1/tickets/{tid}", headers=headers)).json()
    assert shown["id"] == tid  # the walk reads the ticket itself, not an empty page
    for path, params in (
        ("/api/v1/tickets", {"phone": REPORTER_PHONE}), ("/api/v1/tickets/export.csv", {"phone": REPORTER_PHONE}),
        ("/api/v1/tickets/open-by-phone", {"phone": REPORTER_PHONE}),
        ("/api/v1/tickets/duplicates", {"content": word, "region_code": "510107"}),
        (f"/api/v1/tickets/{tid}/dispatch-suggestions", None),
    ):
        response = await client.get(path, headers=headers, params=params)
        assert response.status_code == 403, (path, response.status_code)  # no probing by phone, no hotline tools
        texts.append(response.text)
    merge = await client.post(f"/api/v1/tickets/{tid}/merge", headers=headers, json={"duplicate_ids": [tid + 1]})
    assert merge.status_code == 403  # merging is the hotline's
    return [*texts, merge.text]


def assert_never_shown(texts: list[str], *secrets: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])


def hidden_callers(ticket_json: dict) -> list[dict]:
    return [c for c in ticket_json["callers"] if c["hidden"]]


async def test_a_reporter_merged_into_a_complaint_stays_hidden_from_its_units(client, session):
    agent, staff, lead, gov = [await login(client, u) for u in ("agent1001", *UNIT_USERS, "wh_gov")]
    zjj, whgov = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-GOV")
    complaint = await create(client, agent, category="complaint", content="投诉玉林小区物业公司乱收停车费",
                             caller={"name": OPEN_NAME, "phone": OPEN_PHONE, "confidential": False})
    await act(client, agent, complaint["id"], "dispatch", {"lead_unit_id": zjj})
    report = await create(client, agent, category="report", content="举报玉林小区物业公司乱收停车费并挪用维修基金",
                          caller={"name": REPORTER_NAME, "phone": REPORTER_PHONE, "confidential": False})
    merged = await client.post(f"/api/v1/tickets/{complaint['id']}/merge", headers=agent,
                               json={"duplicate_ids": [report["id"]], "note": "同一物业公司，并单处理"})
    assert merged.status_code == 200, merged.text
    assert len(merged.json()["callers"]) == 2
    secrets = (REPORTER_NAME, REPORTER_PHONE)

    texts = []
    for headers in (staff, lead):
        texts += await unit_side_texts(client, headers, complaint, "停车费")
        detail = (await client.get(f"/api/v1/tickets/{complaint['id']}", headers=headers)).json()
        assert [c["name"] for c in detail["callers"] if not c["hidden"]] == [OPEN_NAME]  # the complainant is shown
        assert len(hidden_callers(detail)) == 1  # the reporter is there, without a name or number
    assert_never_shown(texts, *secrets)

    # every unit answer of the workflow, a callback note naming the reporter, a redo, a return and re-dispatch
    steps = [await act(client, staff, complaint["id"], "sign"),
             await act(client, staff, complaint["id"], "progress", {"note": "已约谈物业"}),
             await act(client, staff, complaint["id"], "complete", {"reply": "已责令退还停车费"})]
    callers = {c["id"]: c for c in (await client.get(f"/api/v1/tickets/{complaint['id']}", headers=agent)).json()
               ["callers"]}
    reporter_id = next(i for i, c in callers.items() if c["name"] == REPORTER_NAME)
    await act(client, agent, complaint["id"], "callback",
              {"result": "dissatisfied_reasonable", "caller_id": reporter_id,
               "note": f"回访{REPORTER_NAME}（{REPORTER_PHONE[:3]}-{REPORTER_PHONE[3:7]}-{REPORTER_PHONE[7:]}）：不满意"})
    redone = await act(client, agent, complaint["id"], "callback", {"result": "satisfied"})
    assert redone["status"] == "in_progress" and redone["redo_count"] == 1  # 重办
    steps.append(await act(client, staff, complaint["id"], "return", {"reason": "不属于本单位职责", "legal_basis": "《物业管理条例》第五条",
                                                                "suggested_unit_id": whgov}))
    await act(client, agent, complaint["id"], "dispatch", {"lead_unit_id": whgov})
    texts = [s_.__repr__() for s_ in steps]
    texts += await unit_side_texts(client, gov, complaint, "停车费")
    texts.append((await act(client, gov, complaint["id"], "sign")).__repr__())
    assert_never_shown(texts, *secrets)
    history = (await client.get(f"/api/v1/tickets/{complaint['id']}/history", headers=agent)).json()
    assert any(REPORTER_NAME in (e["note"] or "") for e in history)  # the hotline keeps its note whole


async def test_hiding_is_decided_at_intake_and_kept_through_every_merge(client, session):
    agent = await login(client, "agent1001")
    zjj = await unit_id(session, "WH-ZJJ")
    report = await create(client, agent, category="report", content="举报某餐馆使用地沟油",
                          caller={"name": REPORTER_NAME, "phone": REPORTER_PHONE, "confidential": False})
    help_ = await create(client, agent, category="help", content="某餐馆油烟扰民",
                         caller={"name": OPEN_NAME, "phone": OPEN_PHONE, "confidential": False})
    last = await create(client, agent, category="suggestion", content="建议加强餐馆检查",
                        caller={"name": "李建议", "phone": "13700001111", "confidential": False})
    into_report = await create(client, agent, category="report", content="举报某餐馆无证经营",
                               caller={"name": "周另举", "phone": "13500002222", "confidential": False})
    plain = await create(client, agent, category="help", content="餐馆门前占道",
                         caller={"name": "吴普通", "phone": "13300003333", "confidential": False})
    stored = {c.phone: c.hidden_from_units for c in (await session.scalars(select(TicketCaller))).all()}
    assert stored[REPORTER_PHONE] is True and stored[OPEN_PHONE] is False
    # report → help → suggestion: the reporter is hidden on the last ticket, which is no report
    for primary, duplicate in ((help_, report), (last, help_)):
        response = await client.post(f"/api/v1/tickets/{primary['id']}/merge", headers=agent,
                                     json={"duplicate_ids": [duplicate["id"]]})
        assert response.status_code == 200, response.text
    # an ordinary caller merged into a report becomes a reporter of it
    response = await client.post(f"/api/v1/tickets/{into_report['id']}/merge", headers=agent,
                                 json={"duplicate_ids": [plain["id"]]})
    assert response.status_code == 200, response.text
    for ticket in (last, into_report):
        await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": zjj})
    unit = await login(client, "wh_zjj")
    seen = (await client.get(f"/api/v1/tickets/{last['id']}", headers=unit)).json()
    assert sorted((c["name"] or "", c["hidden"]) for c in seen["callers"]) == sorted([
        ("", True), ("李建议", False), (OPEN_NAME, False)])
    seen = (await client.get(f"/api/v1/tickets/{into_report['id']}", headers=unit)).json()
    assert [c["hidden"] for c in seen["callers"]] == [True, True]
    texts = await unit_side_texts(client, unit, last, "餐馆") + await unit_side_texts(client, unit, into_report, "餐馆")
    assert_never_shown(texts, REPORTER_NAME, REPORTER_PHONE, "周另举", "13500002222", "吴普通", "13300003333")


async def test_a_unit_cannot_find_a_reporter_by_searching_for_their_name(client, session):
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    zjj = await unit_id(session, "WH-ZJJ")
    report = await create(client, agent, category="report", call_id="call-4711",
                          content=f"{REPORTER_NAME}（{REPORTER_PHONE}）举报玉林小区物业挪用维修基金",
                          caller={"name": REPORTER_NAME, "phone": REPORTER_PHONE, "confidential": False})
    await act(client, agent, report["id"], "dispatch", {"lead_unit_id": zjj})
    detail = (await client.get(f"/api/v1/tickets/{report['id']}", headers=unit)).json()
    assert detail["content"] == "[保密]（[保密]）举报玉林小区物业挪用维修基金" and detail["call_id"] is None
    for probe in (REPORTER_NAME, REPORTER_PHONE, "钱举", "报（138", REPORTER_PHONE[3:9]):
        for path in ("/api/v1/tickets", "/api/v1/tickets/export.csv"):
            found = await client.get(path, headers=unit, params={"q": probe})
            assert found.status_code == 200 and report["number"] not in found.text, (probe, path)
    found = (await client.get("/api/v1/tickets", headers=unit, params={"q": "维修基金"})).json()
    assert [t["id"] for t in found["items"]] == [report["id"]] and found["total"] == 1
    hotline = (await client.get("/api/v1/tickets", headers=agent, params={"q": REPORTER_NAME})).json()
    assert [t["id"] for t in hotline["items"]] == [report["id"]]  # the hotline searches whole texts
    assert (await client.get(f"/api/v1/tickets/{report['id']}", headers=agent)).json()["call_id"] == "call-4711"


async def _finished(client, agent, staff, ticket: dict, unit: int) -> None:
    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": unit})
    await act(client, staff, ticket["id"], "sign")
    await act(client, staff, ticket["id"], "complete", {"reply": "已依法处理"})
    await act(client, agent, ticket["id"], "callback", {"result": "satisfied"})


async def test_termination_is_no_oracle_on_who_reported(client, session):
    """R-20 matches a repeat by the caller's phone; the answer must not tie a reporter to a visible name."""
    agent, staff, lead, gov = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead", "wh_gov")]
    zjj, whgov = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-GOV")
    reporter = {"name": REPORTER_NAME, "phone": REPORTER_PHONE, "confidential": False}
    openly = await create(client, agent, category="help", content="玉林小区违规搭建", caller=reporter)
    await _finished(client, agent, staff, openly, zjj)  # the unit saw this caller's name here
    elsewhere = await create(client, agent, category="report", content="举报玉林小区违规搭建", caller=reporter)
    await _finished(client, agent, gov, elsewhere, whgov)  # another unit's ticket, invisible to WH-ZJJ
    report = await create(client, agent, category="report", content="举报玉林小区违规搭建（再次）", caller=reporter)
    await act(client, agent, report["id"], "dispatch", {"lead_unit_id": zjj})
    await act(client, staff, report["id"], "sign")
    answers = []
    for previous in (openly, elsewhere):
        refused = await client.post(f"/api/v1/tickets/{report['id']}/actions/terminate", headers=lead,
                                    json={"opinion": "已依法处理", "previous_ticket_ids": [previous["id"]]})
        assert refused.status_code == 422 and refused.json()["code"] == "not_a_repeat", refused.text
        answers.append(refused.json()["detail"].replace(str(previous["id"]), "N"))
    assert answers[0] == answers[1]  # the same answer as for any unrelated ticket
    assert (await client.get(f"/api/v1/tickets/{report['id']}", headers=lead)).json()["status"] == "in_progress"
