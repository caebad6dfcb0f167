"""The portal's public API against PostgreSQL and Redis: submit (complete → a timed ticket with
channel web; incomplete → the intake queue), 422 naming the field with nothing written, the
proof-of-work challenge, per-address limits, tracking without an oracle, evaluation as the web
callback, attachments sniffed and kept with the ticket."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from models import IntakeRequest, Ticket, TicketAttachment, TicketEvent
from portal import challenge
from tests.conftest import login
from tests.workorders.helpers import act, unit_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form(**overrides) -> dict:
    fields = {"name": "李四", "phone": "138-0000-2222", "category": "help", "region_code": "510107",
              "address": "成都市武侯区玉林北路1号", "content": "玉林北路路灯不亮已经一周",
              "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(), "confidential": "false"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


@pytest.fixture
async def public(resources):
    """A client of an app whose portal asks no challenge (HOTLINE_PORTAL_CHALLENGE=false)."""
    open_resources = dataclasses.replace(resources, settings=resources.settings.replace(portal_challenge=False))
    transport = httpx.ASGITransport(app=create_app(resources=open_resources), client=("10.9.8.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_complete_request_becomes_a_timed_web_ticket_with_its_files(public, session):
    response = await public.post("/api/v1/public/requests", data=form(), files=[
        ("attachments", ("现场.png", PNG, "application/octet-stream")),
        ("attachments", ("说明.pdf", PDF, "image/png"))])
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["number"].startswith("5101-") and out["status"] == "accepted" and out["attachments"] == 2
    ticket = await session.scalar(select(Ticket).where(Ticket.number == out["number"]))
    assert ticket.channel == "web" and ticket.status == "pending_dispatch" and ticket.dispatch_due_at is not None
    kinds = sorted((await session.scalars(select(TicketAttachment.content_type)
                                          .where(TicketAttachment.ticket_id == ticket.id))).all())
    assert kinds == ["application/pdf", "image/png"]  # sniffed from the bytes, not the client's word

    # tracking: the right phone (any spelling), the wrong one is the same 404 as a wrong number
    tracked = await public.get(f"/api/v1/public/requests/{out['number']}", params={"phone": "13800002222"})
    assert tracked.status_code == 200 and tracked.json()["status"] == "accepted"
    assert [s["step"] for s in tracked.json()["steps"]] == ["submitted", "accepted"]
    wrong = await public.get(f"/api/v1/public/requests/{out['number']}", params={"phone": "13800009999"})
    missing = await public.get("/api/v1/public/requests/5101-20000101-000001", params={"phone": "13800002222"})
    assert wrong.status_code == missing.status_code == 404 and wrong.json()["detail"] == missing.json()["detail"]


async def test_an_incomplete_request_waits_in_the_intake_queue_and_is_accepted(public, client, session):
    response = await public.post("/api/v1/public/requests", data=form(address="", category=None))
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    assert response.json()["status"] == "submitted"
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.status == "pending_intake" and ticket.category == "unclassified" and ticket.dispatch_due_at is None
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == ticket.id))
    assert sorted(intake.missing) == ["address", "category"]

    agent = await login(client, "agent1001")
    queue = (await client.get("/api/v1/intake", headers=agent)).json()
    item = next(i for i in queue["items"] if i["number"] == number)
    assert item["caller_phone"] == "13800002222" and item["missing"] == intake.missing
    refused = await client.post(f"/api/v1/intake/{ticket.id}/accept", headers=agent, json={"outcome": "dispatch"})
    assert refused.status_code == 422 and set(refused.json()["info"]["missing"]) == {"address", "category"}
    accepted = await client.post(f"/api/v1/intake/{ticket.id}/accept", headers=agent, json={
        "outcome": "dispatch", "category": "complaint", "address": "成都市武侯区玉林北路2号"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "pending_dispatch" and accepted.json()["dispatch_due_at"]
    again = await client.post(f"/api/v1/intake/{ticket.id}/accept", headers=agent, json={"outcome": "dispatch"})
    assert again.status_code == 409
    unit = await login(client, "wh_zjj")
    assert (await client.get("/api/v1/intake", headers=unit)).status_code in (403, 404)


async def test_bad_input_names_the_field_and_writes_nothing(public, session):
    before = await session.scalar(select(func.count()).select_from(Ticket))
    for fields, field in ((form(phone="12345"), "phone"), (form(content=""), "content"),
                          (form(region_code="99"), "region_code"), (form(category="gossip"), "category"),
                          (form(occurred_at="yesterday"), "occurred_at")):
        response = await public.post("/api/v1/public/requests", data=fields)
        assert response.status_code == 422, (field, response.text)
        assert field in response.json()["detail"], response.text
    future = await public.post("/api/v1/public/requests",
                               data=form(occurred_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()))
    assert future.status_code == 422 and "occurred_at" in future.text
    unknown = await public.post("/api/v1/public/requests", data=form(region_code="519999"))
    assert unknown.status_code == 422 and "region_code" in unknown.text
    too_many = await public.post("/api/v1/public/requests", data=form(),
                                 files=[("attachments", (f"{i}.png", PNG, "image/png")) for i in range(6)])
    assert too_many.status_code == 422
    bad_type = await public.post("/api/v1/public/requests", data=form(),
                                 files=[("attachments", ("a.png", b"GIF89a" + b"\x00" * 20, "image/png"))])
    assert bad_type.status_code == 415
    assert await session.scalar(select(func.count()).select_from(Ticket)) == before


async def test_the_challenge_is_required_solved_and_single_use(client):
    issued = (await client.get("/api/v1/public/challenge")).json()
    assert issued["enabled"] and issued["bits"] >= 8
    assert (await client.post("/api/v1/public/requests", data=form())).status_code == 403
    token = issued["challenge"]
    solution = challenge.solve(token, issued["bits"])
    headers = {"X-Portal-Challenge": token, "X-Portal-Solution": solution}
    first = await client.post("/api/v1/public/requests", data=form(), headers=headers)
    assert first.status_code == 201, first.text
    replay = await client.post("/api/v1/public/requests", data=form(), headers=headers)
    assert replay.status_code == 403 and replay.json()["code"] == "challenge_failed"
    forged = {"X-Portal-Challenge": token[:-1] + ("0" if token[-1] != "0" else "1"), "X-Portal-Solution": solution}
    assert (await client.post("/api/v1/public/requests", data=form(), headers=forged)).status_code == 403


async def test_per_address_limit(public, resources):
    limit = resources.settings.portal.portal_submissions_per_hour
    codes = [(await public.post("/api/v1/public/requests", data=form(phone=""))).status_code
             for _ in range(limit + 1)]
    assert codes[:limit] == [422] * limit and codes[-1] == 429


async def test_evaluation_from_the_portal_is_the_web_callback(public, client, session):
    number = (await public.post("/api/v1/public/requests", data=form())).json()["number"]
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    early = await public.post(f"/api/v1/public/requests/{number}/evaluation",
                              json={"phone": "13800002222", "result": "satisfied"})
    assert early.status_code == 409
    await act(client, agent, ticket.id, "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    await act(client, unit, ticket.id, "sign")
    await act(client, unit, ticket.id, "complete", {"reply": "路灯已于今日修复"})
    tracked = (await public.get(f"/api/v1/public/requests/{number}", params={"phone": "13800002222"})).json()
    assert tracked["status"] == "replied" and tracked["reply"] == "路灯已于今日修复" and tracked["can_evaluate"]
    assert [s["step"] for s in tracked["steps"]] == ["submitted", "accepted", "dispatched", "handling", "replied"]
    assert "WH-ZJJ" not in str(tracked) and "wh_zjj" not in str(tracked)
    wrong = await public.post(f"/api/v1/public/requests/{number}/evaluation",
                              json={"phone": "13800009999", "result": "satisfied"})
    assert wrong.status_code == 404
    done = await public.post(f"/api/v1/public/requests/{number}/evaluation",
                             json={"phone": "13800002222", "result": "satisfied", "comment": "很快"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "closed" and done.json()["evaluation"] == "satisfied"
    event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                           TicketEvent.action == "callback"))
    assert event.detail["method"] == "web" and event.actor_username == "web"
    twice = await public.post(f"/api/v1/public/requests/{number}/evaluation",
                              json={"phone": "13800002222", "result": "dissatisfied"})
    assert twice.status_code == 409


async def test_files_over_the_submissions_limit_are_refused(resources, session):
    small = dataclasses.replace(resources, settings=resources.settings.replace(
        portal_challenge=False, portal_attachments_max_bytes=1000))
    transport = httpx.ASGITransport(app=create_app(resources=small), client=("10.9.8.6", 40000))
    before = await session.scalar(select(func.count()).select_from(Ticket))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        two = [("attachments", (f"{i}.png", PNG + b"\x00" * 500, "image/png")) for i in range(2)]
        assert (await http.post("/api/v1/public/requests", data=form(), files=two)).status_code == 413
        huge = [("attachments", ("big.png", PNG + b"\x00" * 200_000, "image/png"))]
        assert (await http.post("/api/v1/public/requests", data=form(), files=huge)).status_code == 413
    assert await session.scalar(select(func.count()).select_from(Ticket)) == before
