"""intake.service: the one submission function other channels call (an app or an upstream
platform's hand-over keeps its reference and original time), and the outcomes of acceptance."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.errors import Unprocessable
from events.unit_of_work import UnitOfWork
from intake.schemas import IncomingFile, RequestData
from intake.service import submit_request
from models import IntakeRequest, Ticket, TicketAttachment, TicketEvent
from tests.conftest import login
from tests.workorders.helpers import create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def data(**overrides) -> RequestData:
    fields = {"content": "高新区天府三街共享单车堆积占用人行道", "phone": "13800005555", "category": "suggestion",
              "region_code": "510107", "address": "成都市武侯区天府三街",
              "occurred_at": datetime.now(UTC) - timedelta(days=3)}
    fields.update(overrides)
    return RequestData(**fields)


async def test_a_national_hand_over_keeps_its_reference_and_original_time(resources, session):
    original = datetime.now(UTC) - timedelta(days=2)
    async with UnitOfWork(resources.sessionmaker()) as uow:
        done = await submit_request(uow, resources, data(attachments=[IncomingFile("证据.png", PNG)]),
                                    channel="national_platform", external_ref="GJ-2026-000123",
                                    received_at=original, source="national")
    ticket = await session.scalar(select(Ticket).where(Ticket.id == done.ticket_id))
    assert ticket.channel == "national_platform" and ticket.status == "pending_dispatch" and not done.queued
    assert abs((ticket.received_at - original).total_seconds()) < 1
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == ticket.id))
    assert (intake.external_ref, intake.source, intake.missing) == ("GJ-2026-000123", "national", [])
    event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert event.actor_username == "national_platform:national"
    attachment = await session.scalar(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id))
    assert attachment.side == "citizen" and attachment.uploaded_by == "national_platform:national"


async def test_bad_times_are_refused_and_nothing_is_written(resources, session):
    for kwargs, field in (({"received_at": datetime.now(UTC) + timedelta(days=1)}, "received_at"),
                          ({"received_at": datetime.now(UTC) - timedelta(days=400)}, "received_at")):
        async with UnitOfWork(resources.sessionmaker()) as uow:
            with pytest.raises(Unprocessable) as refused:
                await submit_request(uow, resources, data(), channel="app", **kwargs)
        assert refused.value.detail == {"field": field}
    assert await session.scalar(select(IntakeRequest.id).where(IntakeRequest.channel == "app")) is None


async def test_acceptance_outcomes_out_of_scope_direct_answer_and_merge(resources, client, session):
    agent = await login(client, "agent1001")
    queued = []
    for _ in range(3):
        async with UnitOfWork(resources.sessionmaker()) as uow:
            queued.append(await submit_request(uow, resources, data(category=None), channel="app"))
    assert all(q.queued and q.missing == ["category"] for q in queued)
    out = await client.post(f"/api/v1/intake/{queued[0].ticket_id}/accept", headers=agent, json={
        "outcome": "out_of_scope", "category": "consultation",
        "disposition": {"kind": "legal_channel", "note": "已告知通过行政复议途径解决"}})
    assert out.status_code == 200 and out.json()["status"] == "out_of_scope", out.text
    answered = await client.post(f"/api/v1/intake/{queued[1].ticket_id}/accept", headers=agent, json={
        "outcome": "direct_answer", "category": "consultation", "direct_answer": {"answer": "可通过天府通办申请。"}})
    assert answered.status_code == 200 and answered.json()["status"] == "direct_answered", answered.text
    primary = await create(client, agent)
    merged = await client.post(f"/api/v1/intake/{queued[2].ticket_id}/accept", headers=agent, json={
        "outcome": "merge", "merge_into_number": primary["number"]})
    assert merged.status_code == 200 and merged.json()["status"] == "merged", merged.text
    assert merged.json()["merged_into_id"] == primary["id"]
    rows = (await session.scalars(select(IntakeRequest).where(
        IntakeRequest.ticket_id.in_([q.ticket_id for q in queued])).order_by(IntakeRequest.id))).all()
    assert [r.outcome for r in rows] == ["out_of_scope", "direct_answer", "merge"]
    assert all(r.accepted_by == "agent1001" for r in rows)
    queue = (await client.get("/api/v1/intake", headers=agent)).json()
    assert not {q.number for q in queued} & {i["number"] for i in queue["items"]}
