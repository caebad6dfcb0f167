"""Test harness: real PostgreSQL and Redis, schema made by the migrations, one rollback per test.

The database `hotline_test_<worker>` is dropped and migrated afresh once per session, then
seeded with the shipped reference data and demo accounts (password DEMO_PASSWORD). Each test
runs inside an outer transaction that is rolled back; the application's commits become
savepoints. Redis database 9 is flushed before each test.
"""
from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.database import create_engine, create_side_engine
from core.kv import create_redis
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from organisation.service import unit_by_code

pytest_plugins = ["tests.telephony_fixtures"]

PG_ADMIN_DSN = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("HOTLINE_TEST_REDIS", "redis://127.0.0.1:6379/9")
DEMO_PASSWORD = "demo-pass-2026"
ADMIN_PASSWORD = "admin-pass-2026"


def _database_name() -> str:
    # unique per run, so several test runs on one machine never drop each other's database
    return f"hotline_test_{os.environ.get('PYTEST_XDIST_WORKER', 'w')}_{os.getpid()}"


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _recreate_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database_url():
    """A fresh PostgreSQL database brought to head by the migrations, dropped afterwards."""
    name = _database_name()
    url = _recreate_database(name)
    upgrade(url)
    yield url
    _drop_database(name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("var")
    return Settings(
        database_url=database_url, redis_url=REDIS_TEST_URL, admin_password=ADMIN_PASSWORD,
        demo_password=DEMO_PASSWORD, secret_key="test-secret-key-not-for-production-0123456789",
        var_dir=var, recordings_dir=var / "recordings", prompts_dir=var / "prompts", log_json=False,
        events_channel=f"hotline:events:test:{os.getpid()}",
        # requests in these tests share one connection (savepoints per test): a background evaluation
        # on it would interleave with a request's transaction; the live-server tests turn it on
        analytics_evaluate_on_create=False,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings):
    engine = create_engine(settings.database.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def side_engine(engine):
    side = create_side_engine(engine)
    yield side
    if side is not engine:
        await side.dispose()


@pytest.fixture(scope="session")
async def seeded(settings: Settings, engine, side_engine) -> None:
    """Reference data, admin and demo accounts, committed once for the whole session."""
    from cli.seeding import seed

    resources = Resources(settings=settings, engine=engine,
                          sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=create_redis(settings.redis.redis_url), secret_key=settings.security.secret_key.get_secret_value(),
                          side_engine=side_engine)
    await seed(resources)
    await resources.redis.aclose()


@pytest.fixture
async def redis(settings: Settings):
    client = create_redis(settings.redis.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def resources(settings: Settings, engine, side_engine, seeded, redis) -> AsyncIterator[Resources]:
    """Resources whose sessions all live inside one outer transaction, rolled back after the test."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        maker = async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        yield Resources(settings=settings, engine=engine, sessionmaker=maker, redis=redis,
                        secret_key=settings.security.secret_key.get_secret_value(), side_engine=side_engine)
        await outer.rollback()


@pytest.fixture
async def session(resources: Resources) -> AsyncIterator[AsyncSession]:
    async with resources.sessionmaker() as session:
        yield session


@pytest.fixture
async def client(resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(resources=resources)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def login(client: httpx.AsyncClient, username: str, password: str | None = None) -> dict[str, str]:
    """Sign in and return the Authorization header."""
    if password is None:
        password = ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin_headers(client) -> dict[str, str]:
    return await login(client, "admin")


async def city_admin(client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str],
                     username: str = "cd_admin") -> dict[str, str]:
    """A new admin of the Chengdu city centre (organisation scope: region 5101…), signed in."""
    centre = await unit_by_code(session, "C510100-12345")
    made = await client.post("/api/v1/users", headers=admin_headers,
                             json={"username": username, "password": "city-pass-2026", "role": "admin",
                                   "org_unit_id": centre.id})
    assert made.status_code == 201, made.text
    return await login(client, username, "city-pass-2026")
