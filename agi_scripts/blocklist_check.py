"""`check_blocked` on the workers' FastAGI server: the step the dialplan runs before Stasis
(through the in-root relay agi_scripts/check_blocked.py; R-26).

- suspended number (until not passed): HOTLINE_BLOCKED=1 -> the dialplan plays the notice
  and releases the call; the call is recorded with disposition `blocked`;
- warned number: HOTLINE_NOTICE=warned -> the voice menu plays a warning first;
- every call: HOTLINE_APP=<a live worker's application> (routing hint: which worker
  serves the call). Lookups are bounded; on any failure nothing is set and the call goes on.
"""
from __future__ import annotations

import asyncio
import logging
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agi_scripts.fastagi import AgiRequest
from calls.blocking import block_decision, normalise_number
from core.timeutil import utcnow
from models import BlockedCaller

log = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 1.0


def choose_app(loads: dict[str, int], own: str | None) -> str | None:
    """The live application with the fewest calls (ties: our own, else a random one)."""
    if not loads:
        return None
    least = min(loads.values())
    candidates = sorted(app for app, load in loads.items() if load == least)
    return own if own in candidates else random.choice(candidates)


async def lookup(session: AsyncSession, number: str) -> BlockedCaller | None:
    return await session.scalar(select(BlockedCaller).where(BlockedCaller.number == normalise_number(number)))


class BlockedCallerCheck:
    def __init__(self, *, sessionmaker, routing, on_blocked) -> None:
        self.sessionmaker = sessionmaker
        self.routing = routing  # async () -> app name or None
        self.on_blocked = on_blocked  # async (number, channel_id, reason) -> None

    async def __call__(self, request: AgiRequest) -> None:
        number = request.env.get("agi_callerid", "")
        decision, reason = None, ""
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT):
                async with self.sessionmaker() as session:
                    entry = await lookup(session, number)
            if entry is not None:
                decision, reason = block_decision(entry.status, entry.until, utcnow()), entry.reason
        except Exception:  # database slow or down: not blocked
            log.warning("block-list lookup failed; call goes on", exc_info=True)
        if decision == "blocked":
            await request.set_variable("HOTLINE_BLOCKED", "1")
            await self.on_blocked(number, request.env.get("agi_uniqueid", ""), reason)
            return
        if decision == "warned":
            await request.set_variable("HOTLINE_NOTICE", "warned")
        app = await self.routing()
        if app:
            await request.set_variable("HOTLINE_APP", app)
