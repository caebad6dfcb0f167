"""An app client creates a request and receives its status callbacks at a real HTTP receiver:
signed (HMAC-SHA256) JSON, in order, retried with backoff, failures shown to admins."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import timedelta

import httpx
from sqlalchemy import select

from clients.webhooks import collect, deliver_due, run_webhooks
from core.timeutil import utcnow
from models import WebhookDelivery
from tests.clients.helpers import client_token, hand_over_body, register
from tests.clients.receiver import Receiver, wait_for
from tests.conftest import login
from tests.workorders.helpers import act, unit_id


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(secret.encode(), headers["x-hotline-timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-hotline-signature"], "sha256=" + expected.hexdigest())


async def _run_relay_until(resources, settings, condition) -> None:
    """Run the relay's webhook loop (as `hotline relay` does) until condition holds, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_webhooks(resources.sessionmaker, settings, stop=stop))
    try:
        await wait_for(condition, timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_app_request_status_callbacks_reach_the_app_signed_and_in_order(client, admin_headers, session,
                                                                              resources, settings):
    with Receiver() as receiver:
        made = await register(client, admin_headers, name="天府市民云 App", callback_url=receiver.url)
        headers = await client_token(client, made)
        created = await client.post("/api/v1/requests", headers=headers,
                                    json=hand_over_body(source="app", external_ref="APP-778899", received_at=None,
                                                        category="help"))
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
        ticket_id = (await client.get(f"/api/v1/tickets?number={number}", headers=agent)).json()["items"][0]["id"]
        await act(client, agent, ticket_id, "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
        await act(client, unit, ticket_id, "sign")
        await act(client, unit, ticket_id, "complete", {"reply": "已责令餐馆加装油烟净化设备，经复查达标"})

        fast = settings.replace(webhook_interval_seconds=0.05)
        await _run_relay_until(resources, fast, lambda: len(receiver.received) >= 4)

    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["ticket.created", "ticket.dispatched", "ticket.signed", "ticket.completed"]
    assert [b["request"]["status"] for b in bodies] == ["pending_dispatch", "dispatched", "in_progress", "completed"]
    assert all(b["request"]["number"] == number and b["request"]["external_ref"] == "APP-778899" for b in bodies)
    assert bodies[-1]["reply"] == "已责令餐馆加装油烟净化设备，经复查达标"
    ids = [b["id"] for b in bodies]
    assert ids == sorted(ids) and len(set(ids)) == 4
    for (hdrs, raw), body in zip(receiver.received, bodies, strict=True):
        assert _verify(made["webhook_secret"], hdrs, raw), "signature does not verify"
        assert not _verify("another-secret", hdrs, raw)
        assert hdrs["x-hotline-event-id"] == str(body["id"]) and hdrs["content-type"] == "application/json"
        assert "13900002222" not in raw.decode() and "李四" not in raw.decode()  # never the caller
    # the app reads the same from the status route
    status = (await client.get(f"/api/v1/requests/{number}", headers=headers)).json()
    assert [s["step"] for s in status["steps"]] == ["accepted", "dispatched", "in_handling", "replied"]
    assert status["reply"] == "已责令餐馆加装油烟净化设备，经复查达标"
    delivered = (await session.scalars(select(WebhookDelivery).where(WebhookDelivery.client_id == made["id"]))).all()
    assert {d.status for d in delivered} == {"delivered"} and len(delivered) == 4


async def test_a_failing_receiver_is_retried_with_backoff_then_failed_and_shown_to_admins(
        client, admin_headers, resources, settings, session):
    quick = settings.replace(webhook_backoff_seconds=0.5, webhook_max_attempts=3)
    with Receiver(fail_first=2) as receiver:
        made = await register(client, admin_headers, callback_url=receiver.url)
        headers = await client_token(client, made)
        assert (await client.post("/api/v1/requests", headers=headers,
                                  json=hand_over_body(external_ref="GJ-RETRY-1"))).status_code == 201
        assert await collect(resources.sessionmaker) >= 1
        async with httpx.AsyncClient(timeout=5) as http:
            assert await deliver_due(resources.sessionmaker, quick, http) == 0  # 500: retried later
            pending = (await client.get(f"/api/v1/api-clients/{made['id']}/deliveries?status=pending",
                                        headers=admin_headers)).json()
            assert pending[0]["attempts"] == 1 and pending[0]["last_status_code"] == 500
            assert pending[0]["next_attempt_at"] > pending[0]["created_at"]  # backoff
            assert await deliver_due(resources.sessionmaker, quick, http) == 0  # not due yet: nothing sent
            assert receiver.answered == [500]
            later = utcnow() + timedelta(seconds=1)
            assert await deliver_due(resources.sessionmaker, quick, http, now=later) == 0  # second 500
            backoffs = (await session.scalars(select(WebhookDelivery).where(WebhookDelivery.client_id == made["id"]))).one()
            assert backoffs.attempts == 2
            assert await deliver_due(resources.sessionmaker, quick, http, now=later + timedelta(seconds=1)) == 1
        assert receiver.answered == [500, 500, 204]

    with Receiver(fail_all=True) as broken:
        made = await register(client, admin_headers, name="重庆12345", callback_url=broken.url)
        headers = await client_token(client, made)
        assert (await client.post("/api/v1/requests", headers=headers,
                                  json=hand_over_body(source="chuanyu", external_ref="CQ-1"))).status_code == 201
        await collect(resources.sessionmaker)
        once = settings.replace(webhook_max_attempts=1)
        async with httpx.AsyncClient(timeout=5) as http:
            await deliver_due(resources.sessionmaker, once, http)
    listed = (await client.get("/api/v1/api-clients", headers=admin_headers)).json()
    assert next(c for c in listed if c["id"] == made["id"])["failed_deliveries"] == 1
    failed = (await client.get(f"/api/v1/api-clients/{made['id']}/deliveries?status=failed",
                               headers=admin_headers)).json()
    assert len(failed) == 1 and failed[0]["event_type"] == "ticket.created" and failed[0]["last_error"] == "HTTP 500"
    retried = await client.post(f"/api/v1/api-clients/{made['id']}/deliveries/{failed[0]['id']}/retry",
                                headers=admin_headers)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    unit = await login(client, "wh_zjj")
    assert (await client.get(f"/api/v1/api-clients/{made['id']}/deliveries", headers=unit)).status_code == 403


async def test_callbacks_to_a_client_wait_for_its_earlier_one(client, admin_headers, session, resources, settings):
    """A client's callbacks go in order: a later one is not sent while an earlier one is pending."""
    with Receiver(fail_first=1) as receiver:
        made = await register(client, admin_headers, callback_url=receiver.url)
        headers = await client_token(client, made)
        for ref in ("ORD-1", "ORD-2"):
            assert (await client.post("/api/v1/requests", headers=headers,
                                      json=hand_over_body(external_ref=ref))).status_code == 201
        assert await collect(resources.sessionmaker) == 2
        quick = settings.replace(webhook_backoff_seconds=0.5)
        async with httpx.AsyncClient(timeout=5) as http:
            assert await deliver_due(resources.sessionmaker, quick, http) == 0  # the first failed: both wait
            assert receiver.answered == [500]
            later = utcnow() + timedelta(seconds=1)
            assert await deliver_due(resources.sessionmaker, quick, http, now=later) == 2
    assert [b["request"]["external_ref"] for b in receiver.bodies()] == ["ORD-1", "ORD-2"]


async def test_a_disabled_client_gets_no_more_callbacks(client, admin_headers, resources, settings):
    with Receiver() as receiver:
        made = await register(client, admin_headers, callback_url=receiver.url)
        headers = await client_token(client, made)
        assert (await client.post("/api/v1/requests", headers=headers,
                                  json=hand_over_body(external_ref="OFF-1"))).status_code == 201
        assert await collect(resources.sessionmaker) == 1
        assert (await client.post(f"/api/v1/api-clients/{made['id']}/disable", headers=admin_headers)).status_code == 200
        async with httpx.AsyncClient(timeout=5) as http:
            assert await deliver_due(resources.sessionmaker, settings, http) == 0
        assert receiver.answered == []


async def test_an_incomplete_app_request_waits_for_intake_and_the_app_hears_of_its_acceptance(
        client, admin_headers, session, resources, settings):
    """An app hands over a request without category or occurred_at: it waits in the intake queue
    (受理), an agent accepts it through the intake endpoint, and the app receives both status
    changes as signed callbacks; its status route shows the same steps."""
    with Receiver() as receiver:
        made = await register(client, admin_headers, name="天府市民云 App", callback_url=receiver.url)
        headers = await client_token(client, made)
        created = await client.post("/api/v1/requests", headers=headers, json=hand_over_body(
            source="app", external_ref="APP-QUEUED-1", received_at=None, category=None, occurred_at=None))
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        assert created.json()["status"] == "pending_intake"

        agent = await login(client, "agent1001")
        queue = (await client.get("/api/v1/intake?channel=app", headers=agent)).json()
        item = next(i for i in queue["items"] if i["number"] == number)
        assert sorted(item["missing"]) == ["category", "occurred_at"] and item["external_ref"] == "APP-QUEUED-1"
        occurred = (utcnow() - timedelta(days=1)).isoformat()
        incomplete = await client.post(f"/api/v1/intake/{item['ticket_id']}/accept", headers=agent,
                                       json={"outcome": "dispatch", "category": "help"})
        assert incomplete.status_code == 422 and incomplete.json()["info"]["missing"] == ["occurred_at"]
        accepted = await client.post(f"/api/v1/intake/{item['ticket_id']}/accept", headers=agent, json={
            "outcome": "dispatch", "category": "help", "occurred_at": occurred,
            "expected_version": item["row_version"]})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "pending_dispatch" and accepted.json()["dispatch_due_at"]

        fast = settings.replace(webhook_interval_seconds=0.05)
        await _run_relay_until(resources, fast, lambda: len(receiver.received) >= 2)

    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["ticket.created", "ticket.accepted"]
    assert [b["request"]["status"] for b in bodies] == ["pending_intake", "pending_dispatch"]
    assert all(b["request"]["number"] == number and b["request"]["external_ref"] == "APP-QUEUED-1"
               and b["request"]["source"] == "app" for b in bodies)
    for hdrs, raw in receiver.received:
        assert _verify(made["webhook_secret"], hdrs, raw), "signature does not verify"
        assert "13900002222" not in raw.decode() and "李四" not in raw.decode()
    status = (await client.get(f"/api/v1/requests/{number}", headers=headers)).json()
    assert [s["step"] for s in status["steps"]] == ["received", "accepted"]
    assert status["status"] == "pending_dispatch" and status["reply"] is None
