"""API clients: registration, OAuth2 client credentials, scopes over the WHOLE route table,
the national hand-over keeping external_ref and received_at (R-01, R-03)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from access.authentication import CLIENT_REFUSED
from models import ApiRequest, AuditEvent, IntakeRequest, Ticket
from tests.access.test_route_matrix import ABSENT_ID, OPERATIONS, PUBLIC
from tests.clients.helpers import client_token, hand_over_body, register
from tests.conftest import login

CLIENT_ROUTES = {("POST", "/api/v1/requests"), ("GET", "/api/v1/requests/{number}"),
                 ("GET", "/api/v1/feed/events")}
ALL_SCOPES = ("requests:create", "requests:status", "feed:read")


async def test_register_shows_the_secret_once_and_lists_without_it(client, admin_headers, session):
    made = await register(client, admin_headers, callback_url="https://app.example.cn/hotline/callback")
    assert made["client_id"].startswith("hc_") and len(made["client_secret"]) >= 40
    assert made["webhook_secret"] and made["scopes"] == ["requests:create", "requests:status"]
    listed = (await client.get("/api/v1/api-clients", headers=admin_headers)).json()
    mine = next(c for c in listed if c["client_id"] == made["client_id"])
    assert "client_secret" not in mine and "webhook_secret" not in mine
    assert mine["callback_url"] == "https://app.example.cn/hotline/callback" and mine["failed_deliveries"] == 0
    audit = await session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "api_client_created"))
    assert audit >= 1


async def test_bad_registrations_are_422_and_only_a_province_admin_may_register(client, admin_headers):
    for body in ({"name": "x", "scopes": ["ticket:read"]}, {"name": "x", "scopes": []},
                 {"name": " ", "scopes": ["feed:read"]},
                 {"name": "x", "scopes": ["feed:read"], "callback_url": "ftp://example.cn/x"},
                 {"name": "x", "scopes": ["feed:read"], "extra": 1}):
        response = await client.post("/api/v1/api-clients", headers=admin_headers, json=body)
        assert response.status_code == 422, body
    supervisor = await login(client, "supervisor")
    refused = await client.post("/api/v1/api-clients", headers=supervisor, json={"name": "x", "scopes": ["feed:read"]})
    assert refused.status_code == 403


async def test_client_credentials_token_wrong_secret_disable_and_rotate(client, admin_headers):
    made = await register(client, admin_headers, scopes=ALL_SCOPES)
    headers = await client_token(client, made)
    assert (await client.get("/api/v1/feed/events", headers=headers)).status_code == 200
    wrong = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                          "client_id": made["client_id"], "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_client"
    missing = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                            "client_id": made["client_id"]})
    assert missing.status_code == 422 and "client_secret" in missing.text
    odd = await client.post("/api/v1/auth/token", data={"grant_type": "implicit", "client_id": "x"})
    assert odd.status_code == 422
    # a client id is no username: the password grant does not know it
    as_user = await client.post("/api/v1/auth/token", data={"username": made["client_id"],
                                                            "password": made["client_secret"]})
    assert as_user.status_code == 401

    rotated = await client.post(f"/api/v1/api-clients/{made['id']}/rotate", headers=admin_headers)
    assert rotated.status_code == 200 and rotated.json()["client_secret"] != made["client_secret"]
    assert (await client.get("/api/v1/feed/events", headers=headers)).status_code == 401  # old token dead
    old = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                        "client_id": made["client_id"],
                                                        "client_secret": made["client_secret"]})
    assert old.status_code == 401
    headers = await client_token(client, {**made, "client_secret": rotated.json()["client_secret"]})
    assert (await client.get("/api/v1/feed/events", headers=headers)).status_code == 200

    disabled = await client.post(f"/api/v1/api-clients/{made['id']}/disable", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await client.get("/api/v1/feed/events", headers=headers)).status_code == 401
    again = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                          "client_id": made["client_id"],
                                                          "client_secret": rotated.json()["client_secret"]})
    assert again.status_code == 401


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", ABSENT_ID, path)


async def test_a_client_reaches_no_route_but_its_scopes_over_the_whole_route_table(client, admin_headers):
    """Every operation of the application, with a token holding ALL client scopes: only the
    three open-API routes let it past; every other /api/v1 route refuses it with 403."""
    headers = await client_token(client, await register(client, admin_headers, scopes=ALL_SCOPES))
    operations = {(m, p) for m, p, _ in OPERATIONS}
    assert CLIENT_ROUTES <= operations
    wrong = []
    for method, path in sorted(operations - PUBLIC - CLIENT_ROUTES):
        response = await client.request(method, _concrete(path), headers=headers)
        if response.status_code != 403 or response.json().get("detail") != CLIENT_REFUSED:
            wrong.append(f"{method} {path} -> {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)
    assert len(operations - PUBLIC - CLIENT_ROUTES) >= 80


async def test_each_client_route_needs_its_own_scope(client, admin_headers):
    only_feed = await client_token(client, await register(client, admin_headers, scopes=["feed:read"]))
    creating = await client.post("/api/v1/requests", headers=only_feed, json=hand_over_body())
    assert creating.status_code == 403 and "requests:create" in creating.json()["detail"]
    status = await client.get("/api/v1/requests/5101-20261201-000001", headers=only_feed)
    assert status.status_code == 403 and "requests:status" in status.json()["detail"]
    only_create = await client_token(client, await register(client, admin_headers, scopes=["requests:create"]))
    feed = await client.get("/api/v1/feed/events", headers=only_create)
    assert feed.status_code == 403 and "feed:read" in feed.json()["detail"]
    # staff do not hand requests over through the client routes; the admin may read the feed
    assert (await client.post("/api/v1/requests", headers=admin_headers, json=hand_over_body())).status_code == 403
    assert (await client.get("/api/v1/feed/events", headers=admin_headers)).status_code == 200
    assert (await client.get("/api/v1/feed/events")).status_code == 401


async def test_national_hand_over_keeps_external_ref_and_received_at(client, admin_headers, session):
    headers = await client_token(client, await register(client, admin_headers, name="国家政务服务平台"))
    body = hand_over_body()
    made = await client.post("/api/v1/requests", headers=headers, json=body)
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["external_ref"] == "GJ-20261201-0001" and out["source"] == "national_platform"
    assert datetime.fromisoformat(out["received_at"]) == datetime.fromisoformat(body["received_at"])
    assert out["status"] == "pending_dispatch" and out["steps"][0]["step"] == "accepted"
    ticket = await session.scalar(select(Ticket).where(Ticket.number == out["number"]))
    assert ticket.channel == "national_platform"
    assert ticket.received_at == datetime.fromisoformat(body["received_at"])  # deadlines run from it
    assert ticket.dispatch_due_at is not None and ticket.created_by_id is None
    # it went in through intake, complete: an ordinary ticket, nothing missing, not in the queue;
    # its reference is kept once (api_requests), not copied into intake_requests
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == ticket.id))
    assert intake.channel == "national_platform" and intake.missing == [] and intake.external_ref is None
    handed = await session.scalar(select(ApiRequest).where(ApiRequest.ticket_id == ticket.id))
    assert (handed.external_ref, handed.source) == ("GJ-20261201-0001", "national_platform")
    # the hotline sees it as any other ticket, with its channel
    agent = await login(client, "agent1001")
    staff_view = (await client.get(f"/api/v1/tickets/{ticket.id}", headers=agent)).json()
    assert staff_view["channel"] == "national_platform"

    # the same hand-over again (a platform retrying): the same request, nothing new
    again = await client.post("/api/v1/requests", headers=headers, json=body)
    assert again.status_code == 200 and again.json()["number"] == out["number"]
    count = await session.scalar(select(func.count(ApiRequest.id)).where(ApiRequest.external_ref == body["external_ref"]))
    assert count == 1

    status = await client.get(f"/api/v1/requests/{out['number']}", headers=headers)
    assert status.status_code == 200 and status.json()["status_label"]
    assert "caller" not in status.text and "李四" not in status.text
    # another client cannot see it (no oracle: 404)
    other = await client_token(client, await register(client, admin_headers, name="川渝热线"))
    assert (await client.get(f"/api/v1/requests/{out['number']}", headers=other)).status_code == 404


async def test_an_incomplete_app_hand_over_waits_in_the_intake_queue(client, admin_headers, session):
    """No category, no occurred_at, no address: not a 422 any more but a numbered request in the
    intake queue (受理), its reference shown there from the hand-over (kept once, in api_requests)."""
    headers = await client_token(client, await register(client, admin_headers, name="天府市民云 App"))
    body = hand_over_body(source="app", external_ref="APP-INCOMPLETE-1", received_at=None, category=None,
                          occurred_at=None, address=None)
    made = await client.post("/api/v1/requests", headers=headers, json=body)
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["status"] == "pending_intake" and out["status_label"] == "待受理"
    assert out["external_ref"] == "APP-INCOMPLETE-1" and out["source"] == "app"
    assert [s["step"] for s in out["steps"]] == ["received"]
    ticket = await session.scalar(select(Ticket).where(Ticket.number == out["number"]))
    assert ticket.channel == "app" and ticket.category == "unclassified" and ticket.dispatch_due_at is None
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == ticket.id))
    assert sorted(intake.missing) == ["address", "category", "occurred_at"]
    assert (intake.external_ref, intake.source) == (None, None)  # owned by api_requests, not copied
    agent = await login(client, "agent1001")
    queue = (await client.get("/api/v1/intake?channel=app", headers=agent)).json()
    item = next(i for i in queue["items"] if i["number"] == out["number"])
    assert (item["external_ref"], item["source"]) == ("APP-INCOMPLETE-1", "app")
    assert sorted(item["missing"]) == ["address", "category", "occurred_at"]
    # resent (a timeout on the app's side): the same request, still one of everything
    again = await client.post("/api/v1/requests", headers=headers, json=body)
    assert again.status_code == 200 and again.json()["number"] == out["number"]
    assert await session.scalar(select(func.count(IntakeRequest.id)).where(IntakeRequest.ticket_id == ticket.id)) == 1


async def _counts(session) -> tuple[int, int, int]:
    return (await session.scalar(select(func.count(Ticket.id))),
            await session.scalar(select(func.count(IntakeRequest.id))),
            await session.scalar(select(func.count(ApiRequest.id))))


async def test_malformed_hand_overs_are_4xx_naming_the_field_and_write_nothing(client, admin_headers, session):
    headers = await client_token(client, await register(client, admin_headers))
    before = await _counts(session)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    # an upstream platform's hand-over must name its ticket there and its original receipt
    for field, body in {"received_at": hand_over_body(received_at=None),
                        "external_ref": hand_over_body(external_ref=None)}.items():
        response = await client.post("/api/v1/requests", headers=headers, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "missing_elements" and field in response.json()["info"]["missing"]
    # malformed, whatever the source: a bad phone, times in the future or without offset, an
    # unknown region, an unknown source, blank content
    cases = [("caller.phone", hand_over_body(caller={"phone": "12345"})),
             ("caller.phone", hand_over_body(source="app", category=None, caller={"phone": "1390000222x"})),
             ("occurred_at", hand_over_body(occurred_at=future)),
             ("occurred_at", hand_over_body(source="app", category=None, occurred_at=future)),
             ("received_at", hand_over_body(received_at=future)),
             ("received_at", hand_over_body(received_at="2026-12-01T08:00:00")),
             ("region_code", hand_over_body(region_code="999999")),
             ("region_code", hand_over_body(source="app", category=None, region_code="999999")),
             ("region_code", hand_over_body(region_code="x")),
             ("source", hand_over_body(source="fax")),
             ("content", hand_over_body(content="")),
             ("content", hand_over_body(source="app", content="   "))]
    for field, body in cases:
        response = await client.post("/api/v1/requests", headers=headers, json=body)
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, (field, response.text)
    assert await _counts(session) == before


async def test_an_app_request_needs_no_external_ref_and_is_timed_from_now(client, admin_headers, session):
    headers = await client_token(client, await register(client, admin_headers))
    body = hand_over_body(source="app", external_ref=None, received_at=None)
    made = await client.post("/api/v1/requests", headers=headers, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["external_ref"].startswith("app-")
    ticket = await session.scalar(select(Ticket).where(Ticket.number == made.json()["number"]))
    assert ticket.channel == "app"
    chuanyu = await client.post("/api/v1/requests", headers=headers,
                                json=hand_over_body(source="chuanyu", external_ref="CQ-12345-778"))
    assert chuanyu.status_code == 201
    assert (await session.scalar(select(Ticket.channel).where(Ticket.number == chuanyu.json()["number"]))) == "chuanyu"
