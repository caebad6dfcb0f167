"""Helpers shared by the real-telephony tests."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import BlockedCaller, Call, CallEvent
from tests.conftest import login


async def ready(client, username: str, state: str = "ready") -> dict[str, str]:
    """Sign in as a seat and set its ACD state; returns the auth header."""
    headers = await login(client, username)
    response = await client.put("/api/v1/acd/agents/me/state", json={"state": state}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == state
    return headers


async def fetch_call(engine, call_id: int) -> Call:
    async with AsyncSession(engine) as session:
        return await session.get(Call, call_id)


async def call_events(engine, call_id: int) -> list[CallEvent]:
    async with AsyncSession(engine) as session:
        return list((await session.scalars(select(CallEvent).where(CallEvent.call_id == call_id)
                                           .order_by(CallEvent.id))).all())


async def wait_call(engine, call_id: int, predicate, timeout: float = 20.0) -> Call:
    """Poll the call's row (committed by the worker) until predicate(call) holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        call = await fetch_call(engine, call_id)
        if call is not None and predicate(call):
            return call
        if loop.time() > deadline:
            raise AssertionError(f"call {call_id} never matched; last: {call and call.__dict__}")
        await asyncio.sleep(0.1)  # polling the database, bounded by the deadline


@asynccontextmanager
async def blocked(engine, number: str, status: str, reason: str = "多次无理来电", until: datetime | None = None):
    """A committed block-list entry (the worker's FastAGI check reads committed data)."""
    async with AsyncSession(engine) as session:
        session.add(BlockedCaller(number=number, status=status, reason=reason, until=until))
        await session.commit()
    try:
        yield
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(BlockedCaller).where(BlockedCaller.number == number))
            await session.commit()
