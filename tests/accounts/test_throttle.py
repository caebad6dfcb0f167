"""Login throttling cannot be turned against users: one address cannot lock every account,
and many addresses cannot keep a named user out of the address they sign in from."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from api.app import create_app
from tests.conftest import DEMO_PASSWORD


@asynccontextmanager
async def client_from(resources, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from `address` (no proxy in between)."""
    transport = httpx.ASGITransport(app=create_app(resources=resources), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> int:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": password})
    return response.status_code


async def test_an_address_failing_on_many_accounts_is_throttled_without_locking_them(resources, settings):
    victims = [f"agent{ext}" for ext in range(1001, 1006)]
    failures = 0
    async with client_from(resources, "192.0.2.66") as attacker:
        # every victim gets a full account-by-address lock-out's worth of failures from one address
        while failures < settings.security.login_max_failures_per_address:
            victim = victims[(failures // settings.security.login_max_failures) % len(victims)]
            assert await sign_in(attacker, victim, "guess-guess") in (401, 429)
            failures += 1
        # the address itself is now refused, even for an account it never tried and the right password
        assert await sign_in(attacker, "supervisor", DEMO_PASSWORD) == 429
    async with client_from(resources, "192.0.2.10") as colleague:
        for victim in victims:  # ... but none of the accounts is locked for anyone else
            assert await sign_in(colleague, victim, DEMO_PASSWORD) == 200, victim


async def test_many_addresses_cannot_keep_a_user_out_of_their_known_good_address(resources, settings):
    async with client_from(resources, "192.0.2.10") as workstation:
        assert await sign_in(workstation, "agent1002", DEMO_PASSWORD) == 200  # known-good from now on
    per_address = settings.security.login_max_failures - 1  # stays under every per-address limit
    attacks = -(-settings.security.login_max_failures_per_account // per_address)
    for n in range(attacks):
        async with client_from(resources, f"198.51.100.{n + 1}") as attacker:
            for _ in range(per_address):
                assert await sign_in(attacker, "agent1002", "guess-guess") == 401
    # the account lock holds against guessing from yet another address, for a bounded time ...
    async with client_from(resources, "198.51.100.200") as next_attacker:
        response = await next_attacker.post("/api/v1/auth/token",
                                            data={"username": "agent1002", "password": DEMO_PASSWORD})
        assert response.status_code == 429
        assert 0 < int(response.headers["retry-after"]) <= settings.security.login_lockout_seconds
    # ... but the user still signs in from their workstation
    async with client_from(resources, "192.0.2.10") as workstation:
        assert await sign_in(workstation, "agent1002", DEMO_PASSWORD) == 200


async def test_failures_from_one_address_do_not_lock_the_account_elsewhere(resources, settings):
    async with client_from(resources, "192.0.2.66") as attacker:
        for _ in range(settings.security.login_max_failures):
            assert await sign_in(attacker, "agent1003", "guess-guess") == 401
        assert await sign_in(attacker, "agent1003", DEMO_PASSWORD) == 429
    async with client_from(resources, "192.0.2.11") as elsewhere:  # never signed in from here before
        assert await sign_in(elsewhere, "agent1003", DEMO_PASSWORD) == 200


async def test_a_success_does_not_reset_the_account_counter_for_other_addresses(resources, settings):
    async with client_from(resources, "192.0.2.12") as workstation:
        assert await sign_in(workstation, "agent1004", DEMO_PASSWORD) == 200
    per_address = settings.security.login_max_failures - 1
    attacks = -(-settings.security.login_max_failures_per_account // per_address)
    for n in range(attacks):
        async with client_from(resources, f"198.51.100.{n + 1}") as attacker:
            for _ in range(per_address):
                await sign_in(attacker, "agent1004", "guess-guess")
    async with client_from(resources, "192.0.2.12") as workstation:  # the user signs in meanwhile ...
        assert await sign_in(workstation, "agent1004", DEMO_PASSWORD) == 200
    async with client_from(resources, "198.51.100.201") as attacker:  # ... which gives guessers no new allowance
        assert await sign_in(attacker, "agent1004", "guess-guess") == 429
