"""Fixtures of the desktop's browser tests.

A browser fires several requests at once (REST calls, the websocket's auth), so the shared
one-connection, rolled-back `resources` of tests/conftest.py cannot serve it. These tests get a
database of their own, migrated and seeded once per run, where requests really commit; it is
dropped at the end of the run, so nothing they write reaches other tests.
"""
from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.resources import Resources
from core.database import create_engine
from core.migrate import upgrade
from core.settings import Settings
from tests.conftest import _database_name, _drop_database, _recreate_database


@pytest.fixture(scope="session")
def desk_settings(settings: Settings) -> Settings:
    """The run's settings, on a database of the desktop tests' own."""
    name = f"{_database_name()}_desk"
    url = _recreate_database(name)
    upgrade(url)
    yield settings.model_copy(update={"database_url": url})
    _drop_database(name)


@pytest.fixture(scope="session")
async def desk_engine(desk_settings: Settings):
    engine = create_engine(desk_settings.database_url)
    resources = Resources(settings=desk_settings, engine=engine,
                          sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=None, secret_key=desk_settings.secret_key.get_secret_value())
    from core.bootstrap import seed
    from core.kv import create_redis

    resources.redis = create_redis(desk_settings.redis_url)
    await seed(resources)
    await resources.redis.aclose()
    yield engine
    await engine.dispose()


@pytest.fixture
async def live_resources(desk_settings: Settings, desk_engine, redis) -> AsyncIterator[Resources]:
    """Resources whose sessions commit (own database), with the run's Redis (flushed per test)."""
    yield Resources(settings=desk_settings, engine=desk_engine,
                    sessionmaker=async_sessionmaker(desk_engine, expire_on_commit=False), redis=redis,
                    secret_key=desk_settings.secret_key.get_secret_value())


# ------------------------------------------------------------------ real Asterisk for the softphone
def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


needs_asterisk = pytest.mark.skipif(
    os.geteuid() != 0 or (shutil.which("asterisk") is None and shutil.which("debootstrap") is None),
    reason="needs root and an installed asterisk or debootstrap (scripts/install-system-deps.sh)")


@pytest.fixture(scope="module")
def pbx_settings(desk_settings: Settings, tmp_path_factory) -> Settings:
    """Desk settings on free SIP/ARI ports (an Asterisk instance of its own) and own RTP range."""
    base = tmp_path_factory.mktemp("desk-pbx")
    (base / "prompts").mkdir()
    rtp = 20000 + (os.getpid() % 200) * 100
    return desk_settings.model_copy(update={
        "sip_port": _free_port(socket.SOCK_DGRAM), "ari_port": _free_port(socket.SOCK_STREAM),
        "rtp_start": rtp, "rtp_end": rtp + 99, "var_dir": base / "var", "prompts_dir": base / "prompts"})


@pytest.fixture(scope="module")
def asterisk(pbx_settings: Settings):
    """A real Asterisk rendered from pbx_settings; stopped (by pid) at the end of the module."""
    from pbx import process

    pid = process.start(pbx_settings)
    yield pid
    process.stop(pbx_settings)


@pytest.fixture
async def pbx_resources(pbx_settings: Settings, desk_engine, redis, asterisk) -> AsyncIterator[Resources]:
    """Like live_resources, with the settings Asterisk was rendered from (ports, SIP passwords)."""
    yield Resources(settings=pbx_settings, engine=desk_engine,
                    sessionmaker=async_sessionmaker(desk_engine, expire_on_commit=False), redis=redis,
                    secret_key=pbx_settings.secret_key.get_secret_value())
