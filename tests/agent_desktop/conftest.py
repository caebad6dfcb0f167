"""Fixtures of the desktop's browser tests.

A browser fires several requests at once (REST calls, the websocket's auth), so the shared
one-connection, rolled-back `resources` of tests/conftest.py cannot serve it. These tests get a
database of their own, migrated and seeded once per run, where requests really commit; it is
dropped at the end of the run, so nothing they write reaches other tests.
"""
from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.database import create_engine, create_side_engine
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from tests.conftest import _database_name, _drop_database, _recreate_database


@pytest.fixture(scope="session")
def desk_settings(settings: Settings) -> Settings:
    """The run's settings, on a database of the desktop tests' own."""
    name = f"{_database_name()}_desk"
    url = _recreate_database(name)
    upgrade(url)
    yield settings.replace(database_url=url)
    _drop_database(name)


@pytest.fixture(scope="session")
async def desk_engine(desk_settings: Settings):
    engine = create_engine(desk_settings.database.database_url)
    resources = Resources(settings=desk_settings, engine=engine,
                          sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=None, secret_key=desk_settings.security.secret_key.get_secret_value(),
                          side_engine=engine)
    from cli.seeding import seed
    from core.kv import create_redis

    resources.redis = create_redis(desk_settings.redis.redis_url)
    await seed(resources)
    await resources.redis.aclose()
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def desk_side_engine(desk_engine):
    side = create_side_engine(desk_engine)
    yield side
    await side.dispose()


@pytest.fixture
async def live_resources(desk_settings: Settings, desk_engine, desk_side_engine, redis) -> AsyncIterator[Resources]:
    """Resources whose sessions commit (own database), with the run's Redis (flushed per test)."""
    yield Resources(settings=desk_settings, engine=desk_engine,
                    sessionmaker=async_sessionmaker(desk_engine, expire_on_commit=False), redis=redis,
                    secret_key=desk_settings.security.secret_key.get_secret_value(), side_engine=desk_side_engine)


# ------------------------------------------------------------------ real telephony for the desk
# The telephony engineer's fixtures (tests/telephony_fixtures.py) run Asterisk and the ARI
# workers on the run's main database. The desk gets its own instance (other SIP/ARI ports, its
# own database) built from the same pieces, so its tickets and calls stay out of other tests.
def _free_port(kind: int, ip: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pbx_settings(telephony_settings: Settings, desk_settings: Settings, tmp_path_factory) -> Settings:
    """Telephony test knobs on the desk's database, free ports, a wrap-up long enough to see."""
    base = tmp_path_factory.mktemp("desk-pbx")
    rtp = 20000 + (os.getpid() % 200) * 100
    return telephony_settings.replace(
        database_url=desk_settings.database.database_url, sip_port=_free_port(socket.SOCK_DGRAM),
        ari_port=_free_port(socket.SOCK_STREAM), fastagi_port=_free_port(socket.SOCK_STREAM),
        rtp_start=rtp, rtp_end=rtp + 99, var_dir=base / "var", prompts_dir=base / "prompts",
        recordings_dir=base / "recordings", wrap_up_seconds=5, ring_timeout_seconds=20,
        # the emergency centre's address (127.0.0.3), on a port no other test run's "110" holds
        emergency_address=f"127.0.0.3:{_free_port(socket.SOCK_DGRAM, '127.0.0.3')}")


@pytest.fixture(scope="module")
def desk_asterisk(pbx_settings: Settings):
    """A real Asterisk rendered from pbx_settings; stopped (by pid) at the end of the module, so
    nothing of the desk's telephony outlives its tests (other modules' workers share Redis)."""
    from pbx import process
    from tests.telephony_fixtures import BOOT_TIMEOUT, AsteriskHandle, not_here, telephony_unavailable

    reason = telephony_unavailable()
    if reason:
        not_here(reason)
    handle = AsteriskHandle(pbx_settings, process.start(pbx_settings, timeout=BOOT_TIMEOUT), True)
    yield handle
    process.stop(pbx_settings)


@pytest.fixture(scope="module")
def desk_worker_pool(desk_asterisk, pbx_settings: Settings, tmp_path_factory):
    import redis as redis_sync

    from tests.telephony_fixtures import WorkerPool

    client = redis_sync.Redis.from_url(pbx_settings.redis.redis_url, decode_responses=True)
    pool = WorkerPool(pbx_settings, tmp_path_factory.mktemp("desk-workers"), client)
    yield pool
    pool.stop_all()
    client.close()


@pytest.fixture
def desk_workers(desk_worker_pool, redis):
    """One healthy ARI worker for the desk's Asterisk (after the per-test Redis flush)."""
    desk_worker_pool.ensure_one()
    yield desk_worker_pool


@pytest.fixture
def desk_sipp(desk_asterisk, tmp_path):
    from tests.telephony_sipp import SippRunner

    runner = SippRunner(workdir=tmp_path, target=desk_asterisk.sip_target)
    yield runner
    runner.close()


@pytest.fixture
async def pbx_resources(pbx_settings: Settings, desk_engine, desk_side_engine, redis,
                        desk_asterisk) -> AsyncIterator[Resources]:
    """Like live_resources, with the settings Asterisk was rendered from (ports, SIP passwords)."""
    yield Resources(settings=pbx_settings, engine=desk_engine,
                    sessionmaker=async_sessionmaker(desk_engine, expire_on_commit=False), redis=redis,
                    secret_key=pbx_settings.security.secret_key.get_secret_value(), side_engine=desk_side_engine)
