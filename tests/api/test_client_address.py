"""The client address behind trusted proxies (HOTLINE_TRUSTED_PROXIES): believed only from them."""
from __future__ import annotations

import dataclasses

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.app import create_app
from core.proxies import client_address, parse_networks
from core.settings import Settings
from models import AuditEvent
from tests.conftest import DEMO_PASSWORD

TRUSTED = parse_networks("127.0.0.1, 10.0.0.0/8, ::1")


def test_peer_is_the_client_unless_it_is_a_trusted_proxy():
    assert client_address("198.51.100.9", ["1.2.3.4"], TRUSTED) == "198.51.100.9"
    assert client_address("127.0.0.1", [], TRUSTED) == "127.0.0.1"
    assert client_address("127.0.0.1", ["1.2.3.4"], ()) == "127.0.0.1"  # nothing trusted by default


def test_right_most_untrusted_hop_wins():
    # the client forged "1.1.1.1"; the proxy appended the address it saw
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.7"], TRUSTED) == "203.0.113.7"
    # two proxies of ours in a row, header split over two lines
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.7", "10.1.1.1"], TRUSTED) == "203.0.113.7"
    assert client_address("::1", ["[2001:db8::5]:4711"], TRUSTED) == "2001:db8::5"
    assert client_address("127.0.0.1", ["203.0.113.7:5555"], TRUSTED) == "203.0.113.7"
    # nothing readable: the last trusted hop
    assert client_address("127.0.0.1", ["not-an-address"], TRUSTED) == "127.0.0.1"
    assert client_address("127.0.0.1", ["10.2.2.2"], TRUSTED) == "10.2.2.2"


def test_a_bad_trusted_proxies_setting_is_refused():
    with pytest.raises(ValidationError, match="HOTLINE_TRUSTED_PROXIES"):
        Settings(_env_file=None, trusted_proxies="127.0.0.1, proxy.example")


def _client(resources, peer: str, trusted: str) -> httpx.AsyncClient:
    behind = dataclasses.replace(resources, settings=resources.settings.replace(trusted_proxies=trusted))
    transport = httpx.ASGITransport(app=create_app(resources=behind), client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _failed_login_ips(session) -> list[str]:
    events = await session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id))
    return [e.ip for e in events]


async def test_audit_log_records_the_address_the_proxy_saw(resources, session):
    async with _client(resources, "127.0.0.1", "127.0.0.1") as proxy:
        await proxy.post("/api/v1/auth/token", data={"username": "agent1001", "password": "wrong-one"},
                         headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7"})
    assert await _failed_login_ips(session) == ["203.0.113.7"]


async def test_a_forged_header_from_an_untrusted_peer_is_ignored(resources, session):
    async with _client(resources, "198.51.100.9", "127.0.0.1") as direct:
        await direct.post("/api/v1/auth/token", data={"username": "agent1001", "password": "wrong-one"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert await _failed_login_ips(session) == ["198.51.100.9"]


async def test_lockouts_behind_the_proxy_key_on_the_real_client(resources, settings):
    async with _client(resources, "127.0.0.1", "127.0.0.1") as proxy:
        attacker = {"X-Forwarded-For": "203.0.113.7"}
        for _ in range(settings.security.login_max_failures):
            bad = await proxy.post("/api/v1/auth/token", headers=attacker,
                                   data={"username": "agent1002", "password": "wrong-one"})
            assert bad.status_code == 401
        locked = await proxy.post("/api/v1/auth/token", headers=attacker,
                                  data={"username": "agent1002", "password": DEMO_PASSWORD})
        assert locked.status_code == 429
        # the same account through the same proxy from another client is not locked
        other = await proxy.post("/api/v1/auth/token", headers={"X-Forwarded-For": "203.0.113.8"},
                                 data={"username": "agent1002", "password": DEMO_PASSWORD})
        assert other.status_code == 200
        # and a forged header cannot escape the lock either: the proxy appends the real address
        forged = await proxy.post("/api/v1/auth/token", headers={"X-Forwarded-For": "203.0.113.9, 203.0.113.7"},
                                  data={"username": "agent1002", "password": DEMO_PASSWORD})
        assert forged.status_code == 429
