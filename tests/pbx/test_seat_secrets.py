"""Each seat's own random SIP secret (R-35): the rule (pure), the store, the rotation on access
changes and what the desktop gets. The running Asterisk: tests/telephony/test_seat_secrets.py."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from accounts.demo import DEMO_ACCOUNTS
from core.settings import Settings
from models import SeatSecret, User
from pbx import seat_secrets
from pbx.render import SEAT_EXTENSIONS
from pbx.seat_secrets import DEMO_SEATS, SEAT_SECRETS_CHANGED, plan
from tests.conftest import DEMO_PASSWORD, login


def _settings(**values) -> Settings:
    return Settings(**{"demo_password": "demo-x-pass", "demo_data": True, **values})


def test_demo_password_only_for_demo_seats_and_only_in_demo_mode() -> None:
    passwords, created = plan(_settings(), {})
    assert {e for e, p in passwords.items() if p == "demo-x-pass"} == DEMO_SEATS == {
        "1001", "1002", "1003", "1004", "1005", "2001", "2002", "2003", "2004", "2005", "3001"}
    assert set(created) == set(SEAT_EXTENSIONS) - DEMO_SEATS  # every other seat: random, to be stored
    production, created = plan(_settings(demo_data=False), {})
    assert "demo-x-pass" not in production.values() and set(created) == set(SEAT_EXTENSIONS)
    assert len(set(production.values())) == len(SEAT_EXTENSIONS)  # each seat its own
    assert all(len(p) >= 32 for p in production.values())
    assert plan(_settings(demo_password=None), {})[1].keys() == set(SEAT_EXTENSIONS)


def test_the_demo_seats_are_the_demo_accounts_extensions() -> None:
    assert DEMO_SEATS == {ext for *_, ext in DEMO_ACCOUNTS if ext}


def test_a_stored_secret_wins_over_the_demo_password() -> None:
    passwords, created = plan(_settings(), {"1001": "rotated-1001"})
    assert passwords["1001"] == "rotated-1001" and "1001" not in created


async def test_production_seats_get_stored_random_secrets_and_the_desktop_gets_them(client, resources, session):
    resources.settings = resources.settings.replace(demo_data=False)
    headers = await login(client, "agent1001")
    first = (await client.get("/api/v1/desktop/softphone", headers=headers)).json()["password"]
    assert first != DEMO_PASSWORD and len(first) >= 32
    assert (await session.get(SeatSecret, "1001")).secret == first
    assert (await client.get("/api/v1/desktop/softphone", headers=headers)).json()["password"] == first


async def test_an_access_change_rotates_the_seat_secret_and_announces_it(client, resources, session, admin_headers):
    user = await session.scalar(select(User).where(User.username == "agent1002"))
    before = (await client.get("/api/v1/desktop/softphone", headers=await login(client, "agent1002"))).json()
    assert before["password"] == DEMO_PASSWORD  # demo mode, never rotated
    pubsub = resources.redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(resources.settings.redis.events_channel)
    try:
        response = await client.patch(f"/api/v1/users/{user.id}", json={"role": "expert"}, headers=admin_headers)
        assert response.status_code == 200
        types = []
        async with asyncio.timeout(5):
            while SEAT_SECRETS_CHANGED not in types:
                message = await pubsub.get_message(timeout=1)
                if message:
                    types.append(json.loads(message["data"])["type"])
    finally:
        await pubsub.aclose()
    rotated = (await session.get(SeatSecret, "1002")).secret
    assert rotated != DEMO_PASSWORD
    # the next sign-in's softphone gets the new secret
    after = (await client.get("/api/v1/desktop/softphone", headers=await login(client, "agent1002"))).json()
    assert after["password"] == rotated
    await client.patch(f"/api/v1/users/{user.id}", json={"password": "reset-pass-99"}, headers=admin_headers)
    await session.refresh(await session.get(SeatSecret, "1002"))
    assert (await session.get(SeatSecret, "1002")).secret not in (rotated, DEMO_PASSWORD)


async def test_a_display_name_change_keeps_the_secret(client, session, admin_headers):
    user = await session.scalar(select(User).where(User.username == "agent1003"))
    await client.patch(f"/api/v1/users/{user.id}", json={"display_name": "改名"}, headers=admin_headers)
    assert await session.get(SeatSecret, "1003") is None


async def test_the_renderer_stores_what_it_renders(resources, session, settings):
    production = settings.replace(demo_data=False)
    passwords = await seat_secrets.seat_passwords(session, production)
    await session.commit()
    assert passwords == await seat_secrets.seat_passwords(session, production)  # stable once stored
    rows = dict((await session.execute(select(SeatSecret.extension, SeatSecret.secret))).all())
    assert rows == passwords
