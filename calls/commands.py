"""The call-control command channel between API processes and ARI workers (Redis).

Design: a call lives in exactly one worker (the owner of its Stasis application), and
only that worker may act on its channels and bridges, because the events of what it does
(a transfer target answering …) arrive on its websocket. So the API does not talk to ARI:
it pushes {"id", "reply_to", "expires_at", "call_id", "action", "args", "actor_id",
"actor_role"} onto the Redis list `hotline:cmd:<app>` and waits (bounded) for the answer on
`hotline:reply:<reply_to>`: {"ok": bool, "status": int, "detail": str, "data": {...}}. If
the worker dies, the command waits in the list for the worker that adopts the application
(or times out for the API).

Run at most once, never after the API gave up (R-05): `id` is the command's identity (the
client's Idempotency-Key, else random) and `hotline:cmdstate:<id>` its fate, set once with
SET NX: "running" by the call right before it acts, or "abandoned" by the API (or the
worker's command server) when it stops waiting. Whoever sets it first decides: an abandoned
command never runs, a running one is waited for. A command already past `expires_at` is
dropped unread. The reply of a command that ran is kept (`hotline:cmdresult:<id>`): the same
id sent again gets that reply instead of running twice.

This module is the contract both sides share (keys, the command, the replies) and the API's
side (send_command); the worker's side is ivr/command_server.py.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from core.kv import BLOCKING_SLICE_SECONDS

log = logging.getLogger(__name__)
COMMAND_TIMEOUT = 10.0  # seconds a command may wait for its call before it expires
REPLY_TTL = 60
OWNER_TTL_SECONDS = 3  # a worker refreshes its owner key every second (ivr.ownership)
STATE_TTL = 3600  # how long a command id is remembered (a retry within this runs nothing twice)
_FORGET_ABANDONED = """
if redis.call('GET', KEYS[1]) == 'abandoned' then return redis.call('DEL', KEYS[1]) end
return 0
"""


def owner_key(app: str) -> str:
    """Set while a live worker serves `app` (held by ivr.ownership): a command is sent only then."""
    return f"hotline:app:{app}:owner"


def command_key(app: str) -> str:
    return f"hotline:cmd:{app}"


def reply_key(delivery: str) -> str:
    return f"hotline:reply:{delivery}"


def state_key(command_id: str) -> str:
    return f"hotline:cmdstate:{command_id}"


def result_key(command_id: str) -> str:
    return f"hotline:cmdresult:{command_id}"


EXPIRED_REPLY = {"ok": False, "status": 504, "detail": "命令已过期 (command expired before it ran)"}
DUPLICATE_REPLY = {"ok": False, "status": 409, "detail": "命令已执行 (command already run)", "duplicate": True}
UNCLAIMED_REPLY = {"ok": False, "status": 503, "detail": "呼叫控制暂不可用 (command channel unavailable)"}


@dataclass
class Command:
    """An agent's call-control command. `expires_at` (epoch seconds) is when the API stops
    waiting for it; `claim` (claim below) marks its id as run, so that it runs at most once
    and never after the API gave up on it: "run", "running" (already run) or "abandoned"."""

    action: str
    args: dict[str, Any]
    actor_id: int | None
    actor_role: str
    reply: asyncio.Future
    command_id: str = ""
    expires_at: float | None = None
    claim: Callable[[], Awaitable[str]] | None = None

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at

    def answer(self, reply: dict) -> None:
        if not self.reply.done():
            self.reply.set_result(reply)


class CommandUnavailable(Exception):
    """No worker serves the call's application, or it did not answer in time."""


async def claim(redis: Redis, command_id: str) -> str:
    """Right before a command acts: "run" (go), "running" (it ran already) or "abandoned"."""
    if await redis.set(state_key(command_id), "running", nx=True, ex=STATE_TTL):
        return "run"
    return await redis.get(state_key(command_id)) or "abandoned"


async def abandon(redis: Redis, command_id: str) -> bool:
    """Give up on a command: True if it has not run and now never will."""
    if await redis.set(state_key(command_id), "abandoned", nx=True, ex=STATE_TTL):
        return True
    return await redis.get(state_key(command_id)) == "abandoned"


async def _wait_reply(redis: Redis, delivery: str, seconds: float) -> dict | None:
    """The reply to one delivery, waiting at most `seconds` (in slices the client's read
    timeout allows)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        item = await redis.blpop([reply_key(delivery)], timeout=min(BLOCKING_SLICE_SECONDS, max(left, 0.1)))
        if item is not None:
            return json.loads(item[1])
    return None


async def send_command(redis: Redis, *, app: str, call_id: int, action: str, args: dict[str, Any],
                       actor_id: int, actor_role: str, command_id: str | None = None,
                       timeout: float = COMMAND_TIMEOUT) -> dict:
    """Ask the worker owning `app` to act on the call; returns its reply. The same command_id
    sent again returns the first run's reply instead of acting twice."""
    delivery = secrets.token_hex(8)  # where this sending's answer goes (a retry waits elsewhere)
    command_id = command_id or delivery
    if (done := await redis.get(result_key(command_id))) is not None:
        return json.loads(done)
    await redis.eval(_FORGET_ABANDONED, 1, state_key(command_id))  # a retry of one that never ran
    if not await _owned_soon(redis, app):
        raise CommandUnavailable("no worker serves this call right now")
    raw = json.dumps({"id": command_id, "reply_to": delivery, "expires_at": time.time() + timeout,
                      "call_id": call_id, "action": action, "args": args, "actor_id": actor_id,
                      "actor_role": actor_role})
    await redis.rpush(command_key(app), raw)
    reply = await _wait_reply(redis, delivery, timeout + 1)
    if reply is not None:
        return reply
    await redis.lrem(command_key(app), 0, raw)  # never picked up: it must not be later
    if await abandon(redis, command_id):
        raise CommandUnavailable("the worker did not answer in time")
    # it is running right now: its answer comes within the worker's bound
    reply = await _wait_reply(redis, delivery, COMMAND_TIMEOUT + 2)
    if reply is None:
        raise CommandUnavailable("the worker did not answer in time")
    return reply


async def _owned_soon(redis: Redis, app: str) -> bool:
    """Whether a worker holds `app`, waiting up to one owner TTL: after a Redis restart or a
    takeover the key is back within a heartbeat, and the command should not fail meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OWNER_TTL_SECONDS
    while await redis.get(owner_key(app)) is None:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.1)  # polling period; bounded by the deadline above
    return True
