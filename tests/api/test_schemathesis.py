"""The whole OpenAPI document fuzzed with schemathesis: no input, signed in or not, gets a 5xx.

Runs inside the normal suite: every operation, a bounded number of generated requests each,
a deterministic seed (derandomize), in-process against the ASGI app (no network). Only the
fuzzing phase runs: schemathesis' "coverage" phase (thousands of boundary-value cases, the
same found nothing more) would triple the time. The app runs on its own
throw-away database, migrated and seeded like a deployment, because the fuzzer commits
whatever the API accepts (users, units, calendar days …) and the session database of the
other tests must not see it. The administrator the fuzzer signs in as has an id no
generated path will name, so it cannot disable itself half-way and fuzz only 401s.
"""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import select

from access.tokens import issue_token
from accounts.security import hash_password
from api.app import create_app
from cli.seeding import seed
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from models import User
from tests.conftest import _drop_database, _recreate_database

FUZZ_ADMIN_ID = 1_000_003  # far above the seeded ids and the boundary values the fuzzer tries
ADMIN_EXAMPLES = 10
ANONYMOUS_EXAMPLES = 3
ADMIN_CONFIG = {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
ANONYMOUS_CONFIG = {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}


@pytest.fixture(scope="module")
async def fuzz_target(settings: Settings, tmp_path_factory):
    """(app, administrator's headers) on a database of its own."""
    name = f"hotline_fuzz_{os.getpid()}"
    url = _recreate_database(name)
    upgrade(url)
    var = tmp_path_factory.mktemp("fuzz")
    fuzz_settings = settings.replace(
        database_url=url, var_dir=var, recordings_dir=var / "recordings", prompts_dir=var / "prompts",
        events_channel=f"{settings.redis.events_channel}:fuzz")
    resources = Resources.open(fuzz_settings)
    try:
        await seed(resources)
        async with resources.sessionmaker() as session:
            admin = await session.scalar(select(User).where(User.username == "admin"))
            session.add(User(id=FUZZ_ADMIN_ID, username="fuzz-admin", display_name="模糊测试管理员", role="admin",
                             org_unit_id=admin.org_unit_id, password_hash=hash_password("fuzz-admin-pass-2026")))
            await session.commit()
        token = issue_token(user_id=FUZZ_ADMIN_ID, token_version=0, key=resources.secret_key, ttl=timedelta(hours=2))
    finally:
        await resources.close()
    app = create_app(fuzz_settings)  # its lifespan opens the resources on schemathesis' own event loop
    yield app, {"Authorization": f"Bearer {token}"}
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # close the app's connections before the database goes
    _drop_database(name)


@pytest.fixture(scope="module")
def admin_schema(fuzz_target):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_target[0],
                                         config=SchemathesisConfig.from_dict(ADMIN_CONFIG))


@pytest.fixture(scope="module")
def anonymous_schema(fuzz_target):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_target[0],
                                         config=SchemathesisConfig.from_dict(ANONYMOUS_CONFIG))


def _check(case, headers: dict) -> None:
    response = case.call(headers=headers)
    assert response.status_code < 500, (f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                                        f"{case.as_curl_command()}\n{response.text[:2000]}")


def _fuzz_settings(examples: int):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@schemathesis.pytest.from_fixture("admin_schema").parametrize()
@_fuzz_settings(ADMIN_EXAMPLES)
def test_no_request_of_an_administrator_gets_a_server_error(case, fuzz_target):
    _check(case, fuzz_target[1])


@schemathesis.pytest.from_fixture("anonymous_schema").parametrize()
@_fuzz_settings(ANONYMOUS_EXAMPLES)
def test_no_unauthenticated_request_gets_a_server_error(case):
    _check(case, {})
