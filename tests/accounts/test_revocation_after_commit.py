"""A change of access is committed before its sessions are ended (R-35): a Redis outage at that
moment is retried a few times and logged, never turned into an error for a change that is
already made (the token version already stops the person's REST calls)."""
from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import select

from api.app import access_revocation
from core.kv import create_redis
from models import User
from tests.live_server import free_port


async def test_a_redis_outage_after_the_commit_is_logged_not_raised(resources, session, caplog):
    user = await session.scalar(select(User).where(User.username == "agent1003"))
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5, connect_timeout=0.5)
    revocation = access_revocation(dataclasses.replace(resources, redis=dead))  # as the API wires it
    try:
        with caplog.at_level(logging.WARNING, logger="core.retry"):
            await revocation.end_sessions(user=user, reasons=["disabled"])  # returns: nothing raised
    finally:
        await dead.aclose()
    given_up = [r.work for r in caplog.records if r.getMessage() == "work failed; giving up"]
    assert given_up == ["log the seat out of the ACD", "close the user's sockets",
                        "tell the workers of the new seat secret"]
