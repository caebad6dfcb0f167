"""Bad input is a clear 4xx and changes nothing; no user input produces a 500."""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, OrgUnit


async def _counts(session):
    return (await session.scalar(select(func.count(OrgUnit.id))),
            await session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action != "login")))


async def test_malformed_json_is_422_with_message(client, admin_headers, session):
    before = await _counts(session)
    response = await client.post("/api/v1/org/units", headers={**admin_headers, "content-type": "application/json"},
                                 content=b'{"code": "X2", "name": ')
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]
    assert await _counts(session) == before


async def test_wrong_types_and_unknown_fields_are_422(client, admin_headers, session):
    before = await _counts(session)
    wrong_type = await client.post("/api/v1/org/units", headers=admin_headers,
                                   json={"code": "X3", "name": "测试", "kind": "department", "level": "city",
                                         "region_code": 510100})
    assert wrong_type.status_code == 422
    unknown = await client.post("/api/v1/org/units", headers=admin_headers,
                                json={"code": "X3", "name": "测试单位", "kind": "department", "level": "city",
                                      "region_code": "510100", "colour": "red"})
    assert unknown.status_code == 422
    assert "colour" in unknown.json()["detail"]
    assert await _counts(session) == before


async def test_oversized_body_is_413(client, admin_headers, settings):
    body = b"x" * (settings.http.max_body_bytes + 1)
    response = await client.post("/api/v1/org/units", headers={**admin_headers, "content-type": "application/json"},
                                 content=body)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


async def test_chunked_oversized_body_is_413(client, admin_headers, settings):
    async def chunks():
        for _ in range(settings.http.max_body_bytes // 65536 + 2):
            yield b"y" * 65536

    response = await client.post("/api/v1/org/units", headers={**admin_headers, "content-type": "application/json"},
                                 content=chunks())
    assert response.status_code == 413


async def test_bad_ids(client, admin_headers):
    for path in ("/api/v1/org/units/abc", "/api/v1/org/units/0", "/api/v1/org/units/99999999999999999999",
                 "/api/v1/org/units/-5"):
        response = await client.get(path, headers=admin_headers)
        assert response.status_code == 422, path
    missing = await client.get("/api/v1/org/units/2147483647", headers=admin_headers)
    assert missing.status_code == 404


async def test_references_that_do_not_exist_are_404_not_500(client, admin_headers, session):
    before = await _counts(session)
    response = await client.post("/api/v1/org/units", headers=admin_headers,
                                 json={"code": "X4", "name": "测试单位", "kind": "department", "level": "city",
                                       "region_code": "999999"})
    assert response.status_code == 404
    response = await client.post("/api/v1/users", headers=admin_headers,
                                 json={"username": "newbie", "password": "password-1", "role": "agent",
                                       "org_unit_id": 2147483000})
    assert response.status_code == 404
    assert await _counts(session) == before


async def test_duplicate_is_409(client, admin_headers):
    body = {"username": "agent1001", "password": "password-1", "role": "agent", "org_unit_id": 1}
    response = await client.post("/api/v1/users", headers=admin_headers, json=body)
    assert response.status_code == 409


async def test_naive_datetime_query_is_422(client):
    from tests.conftest import login

    headers = await login(client, "auditor")
    response = await client.get("/api/v1/audit/events?since=2026-01-01T00:00:00", headers=headers)
    assert response.status_code == 422
    ok = await client.get("/api/v1/audit/events?since=2026-01-01T00:00:00%2B08:00", headers=headers)
    assert ok.status_code == 200
    # instants whose UTC conversion overflows, or absurd years, are refused before any query
    for extreme in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "0500-01-01T00:00:00Z"):
        response = await client.get(f"/api/v1/audit/events?until={extreme}", headers=headers)
        assert response.status_code == 422, extreme


async def test_request_id_is_echoed(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32
