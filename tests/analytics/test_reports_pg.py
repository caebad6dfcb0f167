"""The monthly report against hand-counted fixtures (real tickets made through the API, then placed in
March 2025; calls and callback results as the telephony and the callback desk record them). Every
expected figure below was counted by hand from the fixture table, not computed by the code."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import update

from models import Call, Ticket, TicketCaller, TicketEvent
from reports.xlsx import SHEETS
from tests.conftest import login
from tests.workorders.helpers import create, unit_id

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=TZ)


# (channel, category, region, 涉企, domain, created) — March 2025 unless said otherwise
FIXTURE = [
    ("phone", "complaint", "510107", False, "housing", at(3)),       # T1
    ("phone", "help", "510107", True, "water", at(5)),               # T2
    ("web", "consultation", "510104", True, "market", at(9)),        # T3
    ("web", "complaint", "510108", False, "housing", at(15)),        # T4
    ("phone", "consultation", "510107", False, None, at(20)),        # T5: answered directly
    ("mailbox", "suggestion", "510105", False, "transport", at(31, 23)),  # T6: last hour of the month
    ("phone", "complaint", "510107", True, "housing", at(1, 0, month=4)),  # outside: 1 April 00:00
    ("web", "help", "510107", False, "housing", at(28, 23, month=2)),  # outside: February
]


async def _fixture(client, session, agent) -> list[int]:
    ids = []
    for i, (channel, category, region, enterprise, domain, created) in enumerate(FIXTURE):
        extra = {"direct_answer": {"answer": "已告知办理地点和所需材料"}} if i == 4 else {}
        ticket = await create(client, agent, channel=channel, category=category, region_code=region,
                              enterprise_related=enterprise, domain=domain, content=f"测试诉求{i}：小区路灯不亮",
                              caller={"name": "测试", "phone": f"1361111000{i}", "confidential": False}, **extra)
        ids.append(ticket["id"])
        await session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(created_at=created))
    return ids


async def test_the_monthly_report_matches_the_hand_count(client, session):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    t = await _fixture(client, session, agent)
    zjj, water = await unit_id(session, "WH-ZJJ"), await unit_id(session, "CD-WATER")
    steps = {  # dispatch due/done, lead unit, sign due/done, handle due/done
        t[0]: {"dispatch_due_at": at(3, 12), "dispatched_at": at(3, 11), "lead_unit_id": zjj, "sign_due_at": at(4),
                   "signed_at": at(3, 15), "handle_due_at": at(10), "completed_at": at(12)},
        t[1]: {"dispatch_due_at": at(5, 12), "dispatched_at": at(5, 14), "lead_unit_id": zjj, "sign_due_at": at(6),
                   "signed_at": at(6, 11), "handle_due_at": at(12), "completed_at": at(11)},
        t[2]: {"dispatch_due_at": at(9, 12), "dispatched_at": at(9, 11), "lead_unit_id": water, "sign_due_at": at(10),
                   "signed_at": at(9, 16), "handle_due_at": at(20), "completed_at": None, "extended_days": 5},
        t[3]: {"dispatch_due_at": at(15, 12), "dispatched_at": None},
    }
    for ticket_id, values in steps.items():
        await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
    await session.execute(update(Ticket).where(Ticket.id == t[3]).values(screened_out=True))
    for ticket_id, unit, action, when in ((t[0], zjj, "return", at(4)), (t[1], zjj, "return", at(6)),
                                          (t[2], water, "approve_extension", at(12)), (t[0], zjj, "return", at(2, month=4))):
        session.add(TicketEvent(ticket_id=ticket_id, unit_id=unit, action=action, side="unit", at=when))
    results = {t[0]: ("satisfied", at(14)), t[1]: ("dissatisfied_reasonable", at(14)), t[2]: ("satisfied", at(25)),
               t[3]: ("dissatisfied_unreasonable", at(25)), t[5]: ("no_evaluation", at(31, 22)),
               t[6]: ("satisfied", at(2, month=4))}
    for ticket_id, (outcome, when) in results.items():
        await session.execute(update(TicketCaller).where(TicketCaller.ticket_id == ticket_id)
                              .values(callback_result=outcome, callback_at=when, callback_round=1))
    # calls entering the queue: answered after 10 s, 20 s, 5 s; one abandoned; one in April
    for n, (entered, wait, outcome) in enumerate(((at(3), 10, "answered"), (at(4), 20, "answered"),
                                                  (at(5), 30, "abandoned"), (at(6), 5, "answered"),
                                                  (at(1, month=4), 3, "answered"))):
        session.add(Call(channel_id=f"report-test-{n}", app="hotline", caller_number="13611110000",
                         started_at=entered - timedelta(seconds=20), entered_queue_at=entered, phase="ended",
                         answered_at=entered + timedelta(seconds=wait) if outcome == "answered" else None,
                         ended_at=entered + timedelta(seconds=wait + 60), disposition=outcome, queue="general",
                         region_code="510100"))
    await session.commit()

    response = await client.get("/api/v1/reports/monthly", headers=supervisor, params={"month": "2025-03"})
    assert response.status_code == 200, response.text
    r = response.json()
    assert r["label"] == "2025年3月" and r["kind_name"] == "月报"
    s = r["summary"]
    assert (s["tickets"], s["enterprise_related"], s["direct_answered"]) == (6, 2, 1)
    assert s["direct_answer_rate"] == round(1 / 6, 4)
    assert {x["key"]: x["count"] for x in r["by_channel"]} == {"phone": 3, "web": 2, "mailbox": 1}
    assert {x["key"]: (x["count"], x["enterprise_related"]) for x in r["by_category"]} == {
        "complaint": (2, 0), "consultation": (2, 1), "help": (1, 1), "suggestion": (1, 0)}
    assert [(x["key"], x["name"], x["count"]) for x in r["by_region"]] == [("510100", "成都市", 6)]
    assert {x["key"]: x["count"] for x in r["by_domain"]} == {"housing": 2, "water": 1, "market": 1, "transport": 1, None: 1}
    assert r["enterprise"]["count"] == 2
    assert s["calls"]["offered"] == 4 and s["calls"]["answered"] == 3 and s["calls"]["abandoned"] == 1
    assert s["calls"]["answer_rate"] == 0.75 and s["calls"]["service_level_15s"] == round(2 / 3, 6)
    assert r["time_limits"]["dispatch"] == {"done": 3, "on_time": 2, "rate": round(2 / 3, 4)}
    units = {u["unit_id"]: u for u in r["time_limits"]["units"]}
    assert (units[zjj]["tickets"], units[zjj]["signed"], units[zjj]["sign_on_time"], units[zjj]["completed"],
            units[zjj]["handle_on_time"]) == (2, 2, 1, 2, 1)
    assert (units[water]["signed"], units[water]["sign_on_time"], units[water]["completed"]) == (1, 1, 0)
    re_ = r["returns_extensions"]
    assert (re_["returns"], re_["extensions_approved"]) == (2, 1)
    sat = r["satisfaction"]
    assert (sat["satisfied"], sat["dissatisfied_reasonable"], sat["dissatisfied_unreasonable"], sat["no_evaluation"],
            sat["screened_out"]) == (2, 1, 0, 1, 1)
    assert sat["rate"] == round(2 / 3, 4)

    xlsx = await client.get("/api/v1/reports/monthly", headers=supervisor, params={"month": "2025-03", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(xlsx.content))
    assert book.sheetnames == list(SHEETS)
    overview = {row[0]: row[1] for row in book["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["诉求总量（件）"] == 6 and overview["涉企诉求（件）"] == 2 and overview["接通率"] == "75.00%"
    channels = {row[0]: row[1] for row in book["渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels == {"电话": 3, "网站": 2, "信箱": 1}
    assert [c.value for c in book["满意度"][1]] == ["回访结果", "数量"]

    # the other periods answer too; bad periods are refused
    for kind, params in (("daily", {"date": "2025-03-05"}), ("weekly", {"date": "2025-03-05"}),
                         ("quarterly", {"quarter": "2025-Q1"}), ("annual", {"year": "2025"})):
        other = await client.get(f"/api/v1/reports/{kind}", headers=supervisor, params=params)
        assert other.status_code == 200, other.text
    assert (await client.get("/api/v1/reports/daily", headers=supervisor, params={"date": "2025-03-05"})).json()["summary"]["tickets"] == 1
    assert (await client.get("/api/v1/reports/quarterly", headers=supervisor, params={"quarter": "2025-Q1"})).json()["summary"]["tickets"] == 7
    for kind, params in (("monthly", {"month": "2025-13"}), ("monthly", {"month": "x"}), ("hourly", {}),
                         ("daily", {"date": "2025-02-30"}), ("monthly", {"month": "2025-03", "format": "pdf"}),
                         ("monthly", {"month": "2025-03", "date": "2025-03-01"})):
        bad = await client.get(f"/api/v1/reports/{kind}", headers=supervisor, params=params)
        assert bad.status_code == 422, (kind, params, bad.text)
    assert (await client.get("/api/v1/reports/monthly", headers=agent, params={"month": "2025-03"})).status_code == 403

    cards = await client.get("/api/v1/analytics/scorecards", headers=supervisor, params={"period": "2025-03"})
    assert cards.status_code == 200, cards.text
    levels = {level["level"]: level for level in cards.json()["levels"]}
    rows = {row["key"]: row for row in levels["unit"]["rows"]}
    zjj_row, water_row = rows[str(zjj)], rows[str(water)]
    assert zjj_row["metrics"]["sign_on_time"] == 0.5 and zjj_row["metrics"]["handle_on_time"] == 0.5
    assert zjj_row["metrics"]["return_rate"] == 1.0 and zjj_row["metrics"]["satisfaction"] == 0.5
    assert water_row["metrics"]["sign_on_time"] == 1.0 and water_row["metrics"]["extension_rate"] == 1.0
    assert water_row["rank"] == 1 and zjj_row["rank"] == 2 and zjj_row["score"] < water_row["score"]
    city = next(row for row in levels["city"]["rows"] if row["key"] == "510100")
    assert city["metrics"]["answer_rate"] == 0.75
    assert city["change"] is None  # no figures for February 2025 to compare with


async def test_scorecard_weights_are_versioned(client):
    admin = await login(client, "admin")
    listed = (await client.get("/api/v1/analytics/scorecard-weights", headers=admin)).json()
    assert [v["version"] for v in listed["versions"] if v["active"]] == ["2026-default"]
    made = await client.post("/api/v1/analytics/scorecard-weights", headers=admin,
                             json={"version": "2027-1", "weights": {"answer_rate": 50, "satisfaction": 50}})
    assert made.status_code == 201, made.text
    listed = (await client.get("/api/v1/analytics/scorecard-weights", headers=admin)).json()
    assert [v["version"] for v in listed["versions"] if v["active"]] == ["2027-1"]
    for body in ({"version": "2027-2", "weights": {"nonsense": 1}}, {"version": "2027-2", "weights": {"answer_rate": -1}},
                 {"version": "2027-2", "weights": {"answer_rate": 0}}):
        assert (await client.post("/api/v1/analytics/scorecard-weights", headers=admin, json=body)).status_code == 422
    assert (await client.post("/api/v1/analytics/scorecard-weights", headers=admin,
                              json={"version": "2027-1", "weights": {"answer_rate": 1}})).status_code == 409
    supervisor = await login(client, "supervisor")
    assert (await client.post("/api/v1/analytics/scorecard-weights", headers=supervisor,
                              json={"version": "2027-3", "weights": {"answer_rate": 1}})).status_code == 403
