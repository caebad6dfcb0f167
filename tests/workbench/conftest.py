"""Fixtures of the workbench's browser tests: a database of their own where requests really commit.

Several people work at once (a dispatcher, a unit's staff member, the callback desk: one
browser context each), so the shared one-connection, rolled-back `resources` cannot serve them.
The database is migrated and seeded once per run and dropped at its end.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.database import create_engine, create_side_engine
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from tests.conftest import _database_name, _drop_database, _recreate_database


@pytest.fixture(scope="session")
def workbench_settings(settings: Settings) -> Settings:
    name = f"{_database_name()}_wb"
    url = _recreate_database(name)
    upgrade(url)
    yield settings.replace(database_url=url, analytics_evaluate_on_create=True)  # sessions commit here
    _drop_database(name)


@pytest.fixture(scope="session")
async def workbench_engine(workbench_settings: Settings):
    from cli.seeding import seed
    from core.kv import create_redis

    engine = create_engine(workbench_settings.database.database_url)
    side = create_side_engine(engine)
    resources = Resources(settings=workbench_settings, engine=engine,
                          sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=create_redis(workbench_settings.redis.redis_url),
                          secret_key=workbench_settings.security.secret_key.get_secret_value(), side_engine=side)
    await seed(resources)
    await resources.redis.aclose()
    yield engine, side
    if side is not engine:
        await side.dispose()
    await engine.dispose()


@pytest.fixture
async def workbench_resources(workbench_settings: Settings, workbench_engine, redis) -> AsyncIterator[Resources]:
    """Resources whose sessions commit (own database), with the run's Redis (flushed per test)."""
    engine, side = workbench_engine
    yield Resources(settings=workbench_settings, engine=engine,
                    sessionmaker=async_sessionmaker(engine, expire_on_commit=False), redis=redis,
                    secret_key=workbench_settings.security.secret_key.get_secret_value(), side_engine=side)
