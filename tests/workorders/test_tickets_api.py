"""Ticket acceptance (R-04 … R-06): required elements, numbering, dispositions, direct answers, bad input."""
from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from models import AuditEvent, TicketEvent, TicketSequence
from tests.conftest import login
from tests.workorders.helpers import act, create, ticket_body, unit_id
from workorders.service import next_number
from worktime import SHANGHAI, seeded_calendar


async def test_create_returns_number_status_policy_and_dispatch_deadline(client, session):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent, call_id=12345)
    assert re.fullmatch(r"5101-\d{8}-\d{6}", ticket["number"])
    assert ticket["status"] == "pending_dispatch" and ticket["status_label"] == "待转办"
    assert ticket["policy_version"] == "sichuan-measures-draft-1"
    assert list(ticket["deadlines"]) == ["dispatch_due_at"] and ticket["deadlines"]["dispatch_due_at"].endswith("+08:00")
    assert ticket["call_id"] == "12345"  # stored as an opaque string
    assert ticket["callers"][0]["phone"] == "13800001111"
    second = await create(client, agent, call_id="a1b2-c3")
    assert int(second["number"][-6:]) == int(ticket["number"][-6:]) + 1
    assert second["call_id"] == "a1b2-c3"
    events = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket["id"]))).all()
    assert [e.action for e in events] == ["create"] and events[0].actor_username == "agent1001"
    assert await session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_create",
                                                         AuditEvent.resource_id == str(ticket["id"])))


def ordinary_monday_before(today: date) -> date:
    """The latest Monday at least a week back whose Monday and Tuesday are both working days
    (a hand-over must lie in the past year: a fixed date would age out of the API's window)."""
    calendar = seeded_calendar(today.year - 1)
    day = today - timedelta(days=7 + today.weekday())
    while not (calendar.is_workday(day) and calendar.is_workday(day + timedelta(days=1))):
        day -= timedelta(days=7)
    return day


async def test_handed_over_ticket_is_timed_from_its_original_acceptance(client):
    agent = await login(client, "agent1001")
    monday = ordinary_monday_before(datetime.now(SHANGHAI).date())
    received = datetime.combine(monday, time(18, 0), SHANGHAI)  # after Monday's working hours
    ticket = await create(client, agent, channel="national_platform", received_at=received.isoformat())
    assert ticket["received_at"].startswith(f"{monday.isoformat()}T18:00:00")
    tuesday = monday + timedelta(days=1)
    assert ticket["deadlines"]["dispatch_due_at"] == f"{tuesday.isoformat()}T12:00:00+08:00"  # 3 WH from 09:00


@pytest.mark.parametrize("missing", ["address", "occurred_at"])
async def test_required_elements_are_enforced(client, missing):
    agent = await login(client, "agent1001")
    body = ticket_body()
    body.pop(missing)
    response = await client.post("/api/v1/tickets", headers=agent, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "missing_elements" and missing in response.json()["detail"]


@pytest.mark.parametrize("kind", ["legal_channel", "secret_privacy", "unlawful_dissuaded", "emergency_transfer"])
async def test_out_of_scope_dispositions_are_recorded_without_dispatch(client, kind):
    agent = await login(client, "agent1001")
    extra = {"address": None, "occurred_at": None} if kind == "emergency_transfer" else {}
    ticket = await create(client, agent, disposition={"kind": kind, "note": "已告知/已转接"}, **extra)
    assert ticket["status"] == "out_of_scope" and ticket["disposition"] == kind
    assert ticket["deadlines"] == {"dispatch_due_at": None}
    zjj = 1
    response = await client.post(f"/api/v1/tickets/{ticket['id']}/actions/dispatch", headers=agent,
                                 json={"lead_unit_id": zjj})
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    assert (await act(client, agent, ticket["id"], "archive"))["status"] == "archived"


async def test_direct_answer_closes_at_acceptance(client):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent, category="consultation",
                          direct_answer={"answer": "公积金提取需携带身份证到服务大厅办理"})
    assert ticket["status"] == "direct_answered" and ticket["direct_answer"].startswith("公积金")
    listed = (await client.get("/api/v1/tickets", headers=agent, params={"status": "direct_answered"})).json()
    assert ticket["id"] in [t["id"] for t in listed["items"]]


BAD = [
    {"occurred_at": "2026-11-20T10:00:00"},  # naive
    {"region_code": "999999"},
    {"region_code": "51abc"},
    {"channel": "fax"},
    {"category": "praise"},
    {"content": "   "},
    {"content": "x" * 4001},
    {"caller": {"name": "张三"}},
    {"caller": {"name": "张三", "phone": "call me"}},
    {"received_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
    {"received_at": (datetime.now(UTC) - timedelta(days=800)).isoformat()},
    {"occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
    {"complained_unit_id": 1},  # only for complaints and reports
    {"category": "complaint", "complained_unit_id": 2_147_483_000},
    {"call_id": 2**70},
    {"call_id": ""},
    {"special": "urgent"},
    {"domain": "astrology"},
    {"colour": "red"},
    {"disposition": {"kind": "legal_channel", "note": "x"}, "direct_answer": {"answer": "y"}},
    {"disposition": {"kind": "nonsense", "note": "x"}},
]


@pytest.mark.parametrize("override", BAD)
async def test_bad_input_is_422_and_creates_nothing(client, session, override):
    from sqlalchemy import func

    from models import Ticket

    agent = await login(client, "agent1001")
    before = await session.scalar(select(func.count(Ticket.id)))
    response = await client.post("/api/v1/tickets", headers=agent, json=ticket_body(**override))
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert await session.scalar(select(func.count(Ticket.id))) == before


async def test_only_hotline_staff_create(client):
    for username in ("wh_zjj", "expert2001", "auditor"):
        headers = await login(client, username)
        response = await client.post("/api/v1/tickets", headers=headers, json=ticket_body())
        assert response.status_code == 403, username


async def test_ticket_numbers_are_race_safe(engine, side_engine):
    """Eight sessions on eight connections take numbers at once: all distinct and consecutive."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    moment = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)

    async def take() -> str:
        async with maker() as session:
            number = await next_number(session, side_engine, "519900", moment)
            await session.commit()
            return number

    try:
        numbers = await asyncio.gather(*(take() for _ in range(8)))
        assert sorted(numbers) == [f"5199-20260105-{i:06d}" for i in range(1, 9)]
    finally:
        async with maker() as session:
            await session.execute(delete(TicketSequence).where(TicketSequence.region == "5199"))
            await session.commit()


async def test_illegal_step_is_409_with_message(client, session):
    agent = await login(client, "agent1001")
    unit = await login(client, "wh_zjj")
    ticket = await create(client, agent)
    response = await client.post(f"/api/v1/tickets/{ticket['id']}/actions/complete", headers=agent,
                                 json={"reply": "x"})
    assert response.status_code == 409 and "承办单位" in response.json()["detail"]
    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    response = await client.post(f"/api/v1/tickets/{ticket['id']}/actions/complete", headers=unit, json={"reply": "x"})
    assert response.status_code == 409 and "待签收" in response.json()["detail"]
    stale = await client.post(f"/api/v1/tickets/{ticket['id']}/actions/sign", headers=unit,
                              json={"expected_version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad_action = await client.post(f"/api/v1/tickets/{ticket['id']}/actions/fly", headers=unit, json={})
    assert bad_action.status_code in (404, 405)
    missing = await client.post("/api/v1/tickets/2147483000/actions/sign", headers=unit, json={})
    assert missing.status_code == 404


async def test_an_open_creation_does_not_hold_up_the_next_one(engine, side_engine, settings, redis, seeded):
    """The counter row is locked for one statement only: a second creation in the same region and day
    completes while the first transaction is still open (no queue behind a slow request)."""
    from access.authentication import principal_for
    from models import Ticket, TicketCaller, TicketEvent, User
    from workorders import schemas, service

    maker = async_sessionmaker(engine, expire_on_commit=False)
    body = schemas.TicketCreate(**ticket_body(region_code="510500", address="泸州市江阳区", content="计数器测试"))
    async with maker() as first, maker() as second:
        agent = await principal_for(first, await first.scalar(select(User).where(User.username == "agent1004")))
        slow, _ = await service.create_ticket(first, redis, settings, side_engine=side_engine, principal=agent, body=body)  # not committed
        fast, _ = await asyncio.wait_for(
            service.create_ticket(second, redis, settings, side_engine=side_engine, principal=agent, body=body), timeout=10)
        await asyncio.wait_for(second.commit(), timeout=10)
        assert fast.number != slow.number
        await first.rollback()  # a failed creation leaves a gap, never a repeat
    async with maker() as session:
        await session.execute(delete(TicketEvent).where(TicketEvent.ticket_id == fast.id))
        await session.execute(delete(TicketCaller).where(TicketCaller.ticket_id == fast.id))
        await session.execute(delete(Ticket).where(Ticket.id == fast.id))
        await session.execute(delete(TicketSequence).where(TicketSequence.region == "5105"))
        await session.commit()
