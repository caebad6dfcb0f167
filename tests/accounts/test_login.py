"""Sign-in: tokens, argon2 hashes, throttling, expiry and revocation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from access.tokens import issue_token
from models import AuditEvent, User
from tests.conftest import DEMO_PASSWORD, login


async def test_login_returns_bearer_token_and_me_works(client):
    response = await client.post("/api/v1/auth/token", data={"username": "agent1001", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "agent1001"
    assert me.json()["extension"] == "1001"
    assert "ticket:create" in me.json()["permissions"]


async def test_passwords_are_stored_as_argon2(session):
    user = await session.scalar(select(User).where(User.username == "agent1001"))
    assert user.password_hash.startswith("$argon2id$")
    assert DEMO_PASSWORD not in user.password_hash


async def test_wrong_password_is_401_and_audited(client, session):
    response = await client.post("/api/v1/auth/token", data={"username": "agent1001", "password": "wrong-one"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))).all()
    assert [e.actor_username for e in events] == ["agent1001"]
    assert events[0].ip == "10.1.2.3"


async def test_repeated_failures_are_throttled_even_with_the_right_password(client, settings):
    for _ in range(settings.security.login_max_failures):
        bad = await client.post("/api/v1/auth/token", data={"username": "agent1002", "password": "nope-nope"})
        assert bad.status_code == 401
    locked = await client.post("/api/v1/auth/token", data={"username": "agent1002", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # another account is not locked by those failures
    other = await client.post("/api/v1/auth/token", data={"username": "agent1003", "password": DEMO_PASSWORD})
    assert other.status_code == 200


async def test_expired_token_is_refused(client, resources, session):
    user = await session.scalar(select(User).where(User.username == "agent1001"))
    token = issue_token(user_id=user.id, token_version=user.token_version, key=resources.secret_key,
                        ttl=timedelta(seconds=-1))
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_forged_token_is_refused(client, session):
    user = await session.scalar(select(User).where(User.username == "admin"))
    token = issue_token(user_id=user.id, token_version=user.token_version, key="someone-elses-key-of-the-right-length-0123", ttl=timedelta(hours=1))
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_password_change_revokes_old_tokens(client):
    headers = await login(client, "agent1004")
    change = await client.post("/api/v1/auth/password", headers=headers,
                               json={"current_password": DEMO_PASSWORD, "new_password": "another-pass-1"})
    assert change.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await login(client, "agent1004", "another-pass-1"))["Authorization"].startswith("Bearer ")


async def test_deactivated_user_cannot_sign_in(client, admin_headers, session):
    user = await session.scalar(select(User).where(User.username == "agent1005"))
    response = await client.patch(f"/api/v1/users/{user.id}", headers=admin_headers, json={"active": False})
    assert response.status_code == 200
    denied = await client.post("/api/v1/auth/token", data={"username": "agent1005", "password": DEMO_PASSWORD})
    assert denied.status_code == 401
