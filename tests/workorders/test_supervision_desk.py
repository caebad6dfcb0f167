"""Supervision's desk over the API: reminders (催办) read by their unit — who, when — and by no other,
reminders sent by hand, formal interviews (约谈), units with repeated findings after an interview,
and the ticket list's unit filter. Bad input is a 4xx, never a 500."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.timeutil import BUSINESS_TZ, utcnow
from models import OrgUnit, OutboxEvent
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id
from workorders.tasks import run_pass

CGJ_PASSWORD = "cgj-pass-2026"


def _after(iso: str, minutes: int = 1) -> datetime:
    return datetime.fromisoformat(iso) + timedelta(minutes=minutes)


def _today() -> str:
    return datetime.now(BUSINESS_TZ).date().isoformat()


def _days_ago(n: int) -> str:
    return (datetime.now(BUSINESS_TZ).date() - timedelta(days=n)).isoformat()


async def _cgj_staff(client, admin_headers, session) -> dict[str, str]:
    """A staff member of 武侯区城市管理局 (a co-unit in these tests; no such account is seeded)."""
    made = await client.post("/api/v1/users", headers=admin_headers, json={
        "username": "wh_cgj_sv", "password": CGJ_PASSWORD, "role": "unit_staff",
        "org_unit_id": await unit_id(session, "WH-CGJ")})
    assert made.status_code == 201, made.text
    return await login(client, "wh_cgj_sv", CGJ_PASSWORD)


async def _overdue_sign(client, resources, agent, lead: int, co: list[int] | None = None, **overrides) -> dict:
    """A ticket dispatched to `lead` that the scheduler found not signed in time (a reminder to `lead`)."""
    t = await create(client, agent, **overrides)
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": lead, "co_unit_ids": co or []})
    report = await run_pass(resources.sessionmaker, resources.redis, resources.settings,
                            now=_after(t["deadlines"]["sign_due_at"]))
    assert (t["id"], "overdue_sign") in report.flagged
    return t


async def test_a_reminder_is_read_by_its_unit_and_seen_by_no_other(client, session, resources, admin_headers):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    staff, leader = await login(client, "wh_zjj"), await login(client, "wh_zjj_lead")
    cgj_staff = await _cgj_staff(client, admin_headers, session)
    zjj, cgj = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-CGJ")
    t = await _overdue_sign(client, resources, agent, zjj, [cgj])

    records = (await client.get("/api/v1/supervision/records", headers=supervisor,
                                params={"ticket_id": t["id"]})).json()
    reminder = next(r for r in records if r["kind"] == "overdue_sign")
    assert reminder["unit_id"] == zjj and reminder["is_reminder"] and reminder["read"] is None
    assert reminder["ticket_number"] == t["number"]
    unread = (await client.get("/api/v1/supervision/records", headers=supervisor, params={"unread": "true"})).json()
    assert reminder["id"] in [r["id"] for r in unread]

    # the co-unit sees the ticket, never the lead unit's reminder; it cannot mark it read either
    seen = (await client.get("/api/v1/supervision/records", headers=cgj_staff, params={"ticket_id": t["id"]})).json()
    assert seen == []
    assert (await client.post(f"/api/v1/supervision/records/{reminder['id']}/read", headers=cgj_staff)).status_code \
        == 404
    # the hotline reads it without marking it: only the unit reminded does
    refused = await client.post(f"/api/v1/supervision/records/{reminder['id']}/read", headers=supervisor)
    assert refused.status_code == 403, refused.text

    read = await client.post(f"/api/v1/supervision/records/{reminder['id']}/read", headers=staff)
    assert read.status_code == 200, read.text
    first = read.json()["read"]
    assert first["by"] == "wh_zjj" and first["unit_id"] == zjj and first["at"]
    again = await client.post(f"/api/v1/supervision/records/{reminder['id']}/read", headers=staff)
    assert again.status_code == 200 and again.json()["read"] == first  # the first reading stays
    assert (await client.post(f"/api/v1/supervision/records/{reminder['id']}/read", headers=leader)).json()["read"] \
        == first  # a leader opening it later changes nothing of when the unit read it

    listed = (await client.get("/api/v1/supervision/records", headers=supervisor,
                               params={"ticket_id": t["id"]})).json()
    assert next(r for r in listed if r["id"] == reminder["id"])["read"]["by"] == "wh_zjj"
    unread = (await client.get("/api/v1/supervision/records", headers=supervisor, params={"unread": "true"})).json()
    assert reminder["id"] not in [r["id"] for r in unread]


async def test_only_a_reminder_to_a_unit_is_marked_read_and_bad_ids_are_refused(client, session, resources):
    agent, staff = await login(client, "agent1001"), await login(client, "wh_zjj")
    t = await create(client, agent)
    await run_pass(resources.sessionmaker, resources.redis, resources.settings,
                   now=_after(t["deadlines"]["dispatch_due_at"]))
    await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    hotline_own = next(r for r in (await client.get("/api/v1/supervision/records", headers=staff,
                                                   params={"ticket_id": t["id"]})).json()
                       if r["kind"] == "overdue_dispatch")
    assert hotline_own["unit_id"] is None and not hotline_own["is_reminder"]
    response = await client.post(f"/api/v1/supervision/records/{hotline_own['id']}/read", headers=staff)
    assert response.status_code == 409 and response.json()["code"] == "not_a_reminder"
    for bad in ("0", "abc", "99999999999", "-1"):
        assert (await client.post(f"/api/v1/supervision/records/{bad}/read", headers=staff)).status_code == 422, bad
    assert (await client.post("/api/v1/supervision/records/2147483647/read", headers=staff)).status_code == 404
    for params in ({"kind": "nonsense"}, {"unread": "maybe"}, {"limit": "0"}, {"since": "yesterday"}):
        assert (await client.get("/api/v1/supervision/records", headers=staff, params=params)).status_code == 422


async def test_a_supervisor_sends_a_reminder_by_hand(client, session, resources):
    agent, supervisor, staff = [await login(client, u) for u in ("agent1001", "supervisor", "wh_zjj")]
    zjj = await unit_id(session, "WH-ZJJ")
    since = utcnow() - timedelta(seconds=1)
    t = await create(client, agent, category="report", caller={"name": "李四", "phone": "13900002222",
                                                               "confidential": False})
    pending = await client.post("/api/v1/supervision/reminders", headers=supervisor,
                                json={"ticket_id": t["id"], "text": "请尽快办理"})
    assert pending.status_code == 409 and pending.json()["code"] == "not_in_handling"
    await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})

    sent = await client.post("/api/v1/supervision/reminders", headers=supervisor,
                             json={"ticket_id": t["id"], "text": "请尽快联系举报人李四（13900002222）核实并答复"})
    assert sent.status_code == 201, sent.text
    record = sent.json()
    assert record["kind"] == "reminder" and record["unit_id"] == zjj and record["is_reminder"]
    assert "李四" in record["reminder"]  # the hotline wrote it and reads it whole
    # the unit reads it with the reporter blanked, on the list and on the ticket's history
    seen = (await client.get("/api/v1/supervision/records", headers=staff, params={"ticket_id": t["id"]})).json()
    assert [r["kind"] for r in seen] == ["reminder"]
    assert "李四" not in seen[0]["reminder"] and "13900002222" not in seen[0]["reminder"]
    history = (await client.get(f"/api/v1/tickets/{t['id']}/history", headers=staff)).json()
    remind = next(e for e in history if e["action"] == "remind")
    assert remind["side"] == "hotline" and "李四" not in remind["note"]
    # ticket.reminder to the unit, after the commit, without the caller's identity
    events = [e for e in (await session.scalars(select(OutboxEvent).execution_options(populate_existing=True))).all()
              if e.type == "ticket.reminder" and e.payload.get("ticket_id") == t["id"]]
    assert len(events) == 1 and events[0].payload["kind"] == "reminder" and zjj in events[0].audience["unit_ids"]
    assert "李四" not in str(events[0].payload) and "13900002222" not in str(events[0].payload)
    # a reminder is not a finding against the unit
    units = (await client.get("/api/v1/supervision/units", headers=supervisor,
                              params={"since": since.isoformat(), "threshold": 1})).json()
    assert zjj not in [u["unit_id"] for u in units]


@pytest.mark.parametrize("body", [
    {"ticket_id": 1, "text": ""}, {"ticket_id": 1, "text": "x" * 501}, {"ticket_id": 0, "text": "请办理"},
    {"ticket_id": 1}, {"ticket_id": 1, "text": "请办理", "unit_id": 1}, {"ticket_id": "a", "text": "请办理"},
    {"ticket_id": 1, "text": "请\x00办理"},
])
async def test_bad_reminders_are_refused(client, body):
    supervisor = await login(client, "supervisor")
    assert (await client.post("/api/v1/supervision/reminders", headers=supervisor, json=body)).status_code == 422


async def test_reminders_by_hand_are_the_hotline_supervisors(client):
    body = {"ticket_id": 2147483647, "text": "请办理"}
    for username in ("agent1001", "wh_zjj_lead", "auditor"):
        response = await client.post("/api/v1/supervision/reminders", headers=await login(client, username), json=body)
        assert response.status_code == 403, username
    response = await client.post("/api/v1/supervision/reminders", headers=await login(client, "supervisor"), json=body)
    assert response.status_code == 404


def _interview(unit: int, **overrides) -> dict:
    body = {"unit_id": unit, "held_on": _today(), "attendees": ["区住建局 副局长 王五", "市12345热线 督办科 赵六"],
            "findings": "近一个月多件工单超期未签收", "follow_up": "一周内书面报告整改情况", "follow_up_due": _today()}
    body.update(overrides)
    return body


async def test_interviews_are_recorded_and_each_unit_sees_its_own(client, session, resources, admin_headers):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    staff, leader = await login(client, "wh_zjj"), await login(client, "wh_zjj_lead")
    cgj_staff = await _cgj_staff(client, admin_headers, session)
    zjj = await unit_id(session, "WH-ZJJ")
    t = await _overdue_sign(client, resources, agent, zjj)
    made = await client.post("/api/v1/supervision/interviews", headers=supervisor,
                             json=_interview(zjj, ticket_ids=[t["id"]]))
    assert made.status_code == 201, made.text
    interview = made.json()
    assert interview["unit_id"] == zjj and interview["ticket_ids"] == [t["id"]]
    assert interview["recorded_by"] == "supervisor" and len(interview["attendees"]) == 2

    for headers in (supervisor, staff, leader):
        listed = (await client.get("/api/v1/supervision/interviews", headers=headers)).json()
        assert [i["id"] for i in listed] == [interview["id"]]
        assert listed[0]["findings"] == interview["findings"]
    assert (await client.get("/api/v1/supervision/interviews", headers=cgj_staff)).json() == []
    assert (await client.get("/api/v1/supervision/interviews", headers=supervisor,
                             params={"unit_id": await unit_id(session, "WH-CGJ")})).json() == []


async def test_units_still_repeating_after_an_interview_are_flagged_for_escalation(client, session, resources):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    zjj = await unit_id(session, "WH-ZJJ")
    made = await client.post("/api/v1/supervision/interviews", headers=supervisor,
                             json=_interview(zjj, held_on=_days_ago(3), follow_up_due=None))
    assert made.status_code == 201, made.text
    for _ in range(2):
        await _overdue_sign(client, resources, agent, zjj)
    units = (await client.get("/api/v1/supervision/units", headers=supervisor, params={"threshold": 2})).json()
    flagged = next(u for u in units if u["unit_id"] == zjj)
    assert flagged["last_interview_on"] == _days_ago(3)
    assert flagged["after_interview"] >= 2 and flagged["escalate"] is True


@pytest.mark.parametrize("change", [
    {"held_on": (datetime.now(BUSINESS_TZ).date() + timedelta(days=1)).isoformat()},
    {"held_on": "1999-12-31"}, {"held_on": "2026-02-30"}, {"held_on": "yesterday"},
    {"follow_up_due": "2000-01-01"}, {"attendees": []}, {"attendees": ["  "]}, {"attendees": "王五"},
    {"findings": ""}, {"findings": "x" * 4001}, {"follow_up": None}, {"unit_id": 0},
    {"unit_id": 2147483647}, {"ticket_ids": [2147483647]}, {"ticket_ids": [0]}, {"room": "三楼"},
    {"findings": "问题\x00"},
])
async def test_bad_interviews_are_refused(client, session, change):
    supervisor = await login(client, "supervisor")
    body = _interview(await unit_id(session, "WH-ZJJ"), **change)
    response = await client.post("/api/v1/supervision/interviews", headers=supervisor, json=body)
    assert response.status_code == 422, response.text


async def test_a_hotline_centre_is_not_interviewed_and_only_supervisors_record(client, session):
    centre = await session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "hotline_centre").limit(1))
    supervisor = await login(client, "supervisor")
    assert (await client.post("/api/v1/supervision/interviews", headers=supervisor,
                              json=_interview(centre))).status_code == 422
    body = _interview(await unit_id(session, "WH-ZJJ"))
    for username in ("agent1001", "wh_zjj_lead", "wh_zjj", "auditor"):
        response = await client.post("/api/v1/supervision/interviews", headers=await login(client, username), json=body)
        assert response.status_code == 403, username
    for params in ({"unit_id": "0"}, {"since": "soon"}, {"limit": "501"}):
        assert (await client.get("/api/v1/supervision/interviews", headers=supervisor, params=params)).status_code \
            == 422


async def test_the_ticket_list_filters_by_unit_within_ones_scope(client, session, admin_headers):
    agent, supervisor, staff = [await login(client, u) for u in ("agent1001", "supervisor", "wh_zjj")]
    zjj, cgj = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-CGJ")
    to_zjj = await create(client, agent, content="武侯区某小区电梯故障")
    to_cgj = await create(client, agent, content="武侯区某路段占道经营", domain="urban_management")
    await act(client, agent, to_zjj["id"], "dispatch", {"lead_unit_id": zjj})
    await act(client, agent, to_cgj["id"], "dispatch", {"lead_unit_id": cgj})
    ids = {t["id"] for t in (await client.get("/api/v1/tickets", headers=supervisor,
                                              params={"unit_id": zjj, "limit": 200})).json()["items"]}
    assert to_zjj["id"] in ids and to_cgj["id"] not in ids
    # a unit filtering by another unit finds nothing of it
    assert (await client.get("/api/v1/tickets", headers=staff, params={"unit_id": cgj})).json()["total"] == 0
    assert (await client.get("/api/v1/tickets", headers=supervisor,
                             params={"unit_id": 2147483647})).json()["total"] == 0
    for bad in ("0", "-3", "abc", "2147483648", "1.5"):
        assert (await client.get("/api/v1/tickets", headers=supervisor, params={"unit_id": bad})).status_code == 422
