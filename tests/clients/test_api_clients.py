"""API clients: registration, OAuth2 client credentials, scopes over the WHOLE route table,
the national hand-over keeping external_ref and received_at (R-01, R-03)."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from access.authentication import CLIENT_REFUSED
from models import ApiRequest, AuditEvent, Ticket
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


async def test_incomplete_hand_over_is_422_naming_the_field_and_makes_nothing(client, admin_headers, session):
    headers = await client_token(client, await register(client, admin_headers))
    before = await session.scalar(select(func.count(Ticket.id)))
    cases = {"received_at": hand_over_body(received_at=None), "external_ref": hand_over_body(external_ref=None),
             "address": hand_over_body(address=None), "caller.phone": hand_over_body(caller={"name": "王五"}),
             "occurred_at": hand_over_body(occurred_at=None)}
    for field, body in cases.items():
        response = await client.post("/api/v1/requests", headers=headers, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "missing_elements" and field in response.json()["detail"], response.text
    for field, body in {"source": hand_over_body(source="fax"), "content": hand_over_body(content=""),
                        "region_code": hand_over_body(region_code="x"),
                        "received_at": hand_over_body(received_at="2026-12-01T08:00:00")}.items():
        response = await client.post("/api/v1/requests", headers=headers, json=body)
        assert response.status_code == 422 and field in response.text, (field, response.text)
    unknown_region = await client.post("/api/v1/requests", headers=headers, json=hand_over_body(region_code="999999"))
    assert unknown_region.status_code == 422
    assert await session.scalar(select(func.count(Ticket.id))) == before


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
