"""Overload: when every connection of the request pool stays busy for the pool's whole wait, a
request gets 503 with Retry-After — never a 500 — and writes nothing."""
from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from core.database import create_engine
from core.resources import Resources
from core.settings import Settings
from models import Ticket
from tests.conftest import DEMO_PASSWORD
from tests.workorders.helpers import ticket_body


async def test_a_full_pool_is_503_with_retry_after(settings, seeded, redis, side_engine):
    # HOTLINE_DATABASE_POOL_SIZE=1, _MAX_OVERFLOW=0, _POOL_TIMEOUT_SECONDS=0.2: the test holds the one
    # connection, so the request cannot get one
    engine = create_engine(settings.database.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    resources = Resources(settings=settings, engine=engine, sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=redis, secret_key=settings.security.secret_key.get_secret_value(),
                          side_engine=side_engine)
    transport = httpx.ASGITransport(app=create_app(resources=resources), client=("10.1.2.3", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            login = await http.post("/api/v1/auth/token", data={"username": "agent1001", "password": DEMO_PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            async with engine.connect() as held:
                await held.execute(text("SELECT 1"))
                before = await held.scalar(select(func.count()).select_from(Ticket))
                response = await http.post("/api/v1/tickets", headers=headers, json=ticket_body())
                assert response.status_code == 503, response.text
                assert response.json()["code"] == "unavailable"
                assert int(response.headers["Retry-After"]) > 0
            # the pool free again: requests go through, and the refused one left nothing behind
            again = await http.get("/api/v1/tickets", headers=headers)
            assert again.status_code == 200, again.text
            async with engine.connect() as connection:
                assert await connection.scalar(select(func.count()).select_from(Ticket)) == before
    finally:
        await engine.dispose()


async def test_the_pool_settings_reach_each_process_engine(tmp_path):
    settings = Settings(_env_file=None, database_url="postgresql+psycopg://postgres@127.0.0.1:5432/unused",
                        secret_key="x" * 32, var_dir=tmp_path, database_pool_size=3, database_max_overflow=1,
                        database_pool_timeout_seconds=4)
    resources = Resources.open(settings)  # nothing connects until a first query
    try:
        pool = resources.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 1, 4)
    finally:
        await resources.engine.dispose()
        await resources.side_engine.dispose()
    for bad in ({"database_pool_size": 0}, {"database_max_overflow": -1}, {"database_pool_timeout_seconds": 0}):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, **bad)
