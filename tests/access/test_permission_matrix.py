"""Access control (R-31, R-35): every route needs a token unless it is on the public list,
and each role reaches exactly what the permission matrix gives it."""
from __future__ import annotations

import re

import pytest

from access.permissions import ROLE_PERMISSIONS, Permission, Role
from access.scope import Scope, region_prefix, scope_for
from tests.conftest import login

# Routes that need no token: health, the login and the API description.
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/api/v1/auth/token"), ("GET", "/metrics"),
          ("GET", "/api/v1/knowledge/public/search")}
# the citizen portal (portal/): no account; per-address limits and a proof-of-work challenge instead
PUBLIC |= {("GET", "/api/v1/public/challenge"), ("GET", "/api/v1/public/regions"), ("POST", "/api/v1/public/requests"),
           ("GET", "/api/v1/public/requests/{number}"), ("POST", "/api/v1/public/requests/{number}/evaluation")}
# the SMS gateway's replies: no user token, the gateway's own shared token (callbacks/endpoints.py)
PUBLIC |= {("POST", "/api/v1/callbacks/sms/inbound")}


async def _operations(client) -> list[tuple[str, str]]:
    schema = (await client.get("/openapi.json")).json()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_non_public_route_requires_authentication(client):
    operations = await _operations(client)
    assert len(operations) >= 10
    checked = 0
    for method, path in operations:
        if (method, path) in PUBLIC:
            continue
        response = await client.request(method, _concrete(path))
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a token"
        checked += 1
    assert checked >= 8


async def test_public_routes_answer_without_token(client):
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200


# (username, method, path, body, expected status) — one row per cell of the matrix we rely on
MATRIX = [
    ("admin", "GET", "/api/v1/audit/events", None, 200),
    ("auditor", "GET", "/api/v1/audit/events", None, 200),
    ("agent1001", "GET", "/api/v1/audit/events", None, 403),
    ("wh_zjj", "GET", "/api/v1/audit/events", None, 403),
    ("supervisor", "GET", "/api/v1/audit/events", None, 403),
    ("admin", "GET", "/api/v1/users", None, 200),
    ("supervisor", "GET", "/api/v1/users", None, 200),
    ("agent1001", "GET", "/api/v1/users", None, 403),
    ("wh_zjj", "GET", "/api/v1/users", None, 403),
    ("agent1001", "GET", "/api/v1/org/units", None, 200),
    ("wh_zjj", "GET", "/api/v1/org/regions", None, 200),
    ("supervisor", "POST", "/api/v1/users",
     {"username": "x1", "password": "password-1", "role": "agent", "org_unit_id": 1}, 403),
    ("auditor", "POST", "/api/v1/org/units",
     {"code": "X1", "name": "测试单位", "kind": "department", "level": "city", "region_code": "510100"}, 403),
    ("admin", "POST", "/api/v1/org/units",
     {"code": "X1", "name": "测试单位", "kind": "department", "level": "city", "region_code": "510100"}, 201),
]


@pytest.mark.parametrize(("username", "method", "path", "body", "expected"), MATRIX)
async def test_role_matrix(client, username, method, path, body, expected):
    headers = await login(client, username)
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code == expected, response.text


def test_matrix_is_total_and_auditor_is_read_only():
    assert set(ROLE_PERMISSIONS) == set(Role)
    writes = {p for p in Permission if p.value.endswith((":write", ":create", ":dispatch", ":handle", ":control",
                                                         ":manage", ":approve"))}
    assert not (ROLE_PERMISSIONS[Role.AUDITOR] & writes)
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


@pytest.mark.parametrize(("kind", "level", "region", "expected"), [
    ("hotline_centre", "province", "510000", Scope(everything=True)),
    ("hotline_centre", "city", "510100", Scope(region_prefix="5101")),
    ("hotline_centre", "county", "510107", Scope(region_prefix="510107")),
    ("department", "county", "510107", Scope(unit_ids=frozenset({7, 8}))),
])
def test_scope_for_org_kinds(kind, level, region, expected):
    assert scope_for(org_kind=kind, org_level=level, org_region=region, unit_ids=frozenset({7, 8})) == expected


def test_region_scope_covers_only_its_region():
    chengdu = Scope(region_prefix=region_prefix("510100", "city"))
    assert chengdu.covers_region("510107001")
    assert not chengdu.covers_region("510300")
    assert not chengdu.covers_region(None)
    unit = Scope(unit_ids=frozenset({3}))
    assert unit.covers_unit(3) and not unit.covers_unit(4) and not unit.covers_region("510107")


async def test_unit_staff_scope_is_their_unit_and_below(client, session):
    from sqlalchemy import select

    from access.authentication import principal_for
    from models import OrgUnit, User

    for username, expected_codes in (("wh_gov", {"WH-GOV", "WH-ZJJ", "WH-SCJGJ", "WH-CGJ", "WH-JXJ", "WH-WJL", "WH-YL"}),
                                     ("wh_zjj", {"WH-ZJJ"})):
        user = await session.scalar(select(User).where(User.username == username))
        principal = await principal_for(session, user)
        codes = set((await session.scalars(select(OrgUnit.code).where(OrgUnit.id.in_(principal.scope.unit_ids)))).all())
        assert codes == expected_codes


async def test_city_centre_sees_only_its_own_regions_accounts(client):
    chengdu = await login(client, "chengdu")
    names = {u["username"] for u in (await client.get("/api/v1/users", headers=chengdu)).json()}
    assert {"chengdu", "wh_zjj", "wh_gov", "cd_water"} <= names
    assert not names & {"admin", "agent1001", "expert2001", "auditor"}
    province = await login(client, "supervisor")
    everyone = {u["username"] for u in (await client.get("/api/v1/users", headers=province)).json()}
    assert {"admin", "agent1001", "chengdu", "wh_zjj"} <= everyone


# ---------------------------------------------------------------- recordings
# Kept as its own block: recordings belong to the hotline side. One Chengdu call answered by
# agent1001 with its recording; each demo account against metadata, audio and legal hold.
# 403: the role holds no recording permission; 404: it does, but not for this call.
RECORDING_MATRIX = [
    # (username, metadata + audio, legal hold)
    ("admin", 200, 200),
    ("supervisor", 200, 200),  # province centre: every region
    ("chengdu", 200, 200),  # the call's region
    ("auditor", 200, 403),  # hears, never changes
    ("agent1001", 200, 403),  # the call's agent
    ("agent1002", 404, 403),  # another agent's call
    ("expert2001", 404, 403),  # an expert seat that was not on the call
    ("wh_zjj", 403, 403),  # handling units: never
    ("wh_zjj_lead", 403, 403),
    ("wh_gov", 403, 403),
    ("cd_water", 403, 403),
]


@pytest.fixture
async def chengdu_recording(session, settings):
    from datetime import timedelta
    from pathlib import Path

    from sqlalchemy import select

    from core.timeutil import utcnow
    from models import Call, Recording, User

    agent_id = await session.scalar(select(User.id).where(User.username == "agent1001"))
    now = utcnow()
    call = Call(channel_id=f"matrix-rec-{now.timestamp()}", app="hotline-x", node="n", caller_number="13866660001",
                phase="ended", disposition="answered", started_at=now, answered_at=now, ended_at=now,
                agent_id=agent_id, extension="1001", region_code="510107")
    session.add(call)
    await session.flush()
    path = Path(settings.recordings.recordings_dir) / f"matrix/call-{call.id}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF0000WAVE")
    recording = Recording(call_id=call.id, path=f"matrix/call-{call.id}.wav", sha256="0" * 64, size_bytes=12,
                          retain_until=now + timedelta(days=731))
    session.add(recording)
    await session.commit()
    return recording.id


@pytest.mark.parametrize(("username", "read", "hold"), RECORDING_MATRIX)
async def test_recording_matrix(client, chengdu_recording, username, read, hold):
    headers = await login(client, username)
    base = f"/api/v1/recordings/{chengdu_recording}"
    assert (await client.get(base, headers=headers)).status_code == read
    assert (await client.get(f"{base}/audio", headers=headers)).status_code == read
    response = await client.put(f"{base}/legal-hold", headers=headers, json={"legal_hold": False})
    assert response.status_code == hold, response.text


def test_every_role_has_a_recording_row():
    from accounts.demo import DEMO_ACCOUNTS

    roles = {role for username, _, role, _, _ in DEMO_ACCOUNTS for row in RECORDING_MATRIX if row[0] == username}
    assert roles | {"admin"} == {r.value for r in Role}
