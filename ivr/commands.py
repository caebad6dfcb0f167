"""The call-control command channel between API processes and ARI workers (Redis).

Design: a call lives in exactly one worker (the owner of its Stasis application), and
only that worker may act on its channels and bridges, because the events of what it does
(a transfer target answering …) arrive on its websocket. So the API does not talk to ARI:
it pushes {"id", "call_id", "action", "args", "actor_id", "actor_role"} onto the Redis
list `hotline:cmd:<app>` and waits (bounded) for the answer on `hotline:reply:<id>`:
{"ok": bool, "status": int, "detail": str, "data": {...}}. If the worker dies, the command
waits in the list for the worker that adopts the application (or times out for the API).
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from ivr.ownership import OWNER_TTL_SECONDS, owner_key

if TYPE_CHECKING:
    from ivr.worker import Worker

log = logging.getLogger(__name__)
COMMAND_TIMEOUT = 10.0  # seconds the API waits for a worker's answer
REPLY_TTL = 60


def command_key(app: str) -> str:
    return f"hotline:cmd:{app}"


def reply_key(command_id: str) -> str:
    return f"hotline:reply:{command_id}"


class CommandUnavailable(Exception):
    """No worker serves the call's application, or it did not answer in time."""


async def send_command(redis: Redis, *, app: str, call_id: int, action: str, args: dict[str, Any],
                       actor_id: int, actor_role: str, timeout: float = COMMAND_TIMEOUT + 2) -> dict:
    """Ask the worker owning `app` to act on the call; returns its reply."""
    if not await _owned_soon(redis, app):
        raise CommandUnavailable("no worker serves this call right now")
    command_id = secrets.token_hex(8)
    message = {"id": command_id, "call_id": call_id, "action": action, "args": args,
               "actor_id": actor_id, "actor_role": actor_role}
    await redis.rpush(command_key(app), json.dumps(message))
    reply = await redis.blpop([reply_key(command_id)], timeout=timeout)
    if reply is None:
        raise CommandUnavailable("the worker did not answer in time")
    return json.loads(reply[1])


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


class CommandServer:
    """Worker side: pops commands for every application the worker holds."""

    def __init__(self, worker: Worker, redis: Redis) -> None:
        self.worker, self.redis = worker, redis
        self._running: set[asyncio.Task] = set()

    async def run(self) -> None:
        while True:
            keys = [command_key(app) for app in self.worker.apps]
            if not keys:  # no application right now (reconnecting, taken over): nothing to serve
                await asyncio.sleep(1)
                continue
            try:
                item = await self.redis.blpop(keys, timeout=1)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("command channel read failed", exc_info=True)
                await asyncio.sleep(1)  # retry period
                continue
            if item is None:
                continue
            task = asyncio.create_task(self.handle(item[1]))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def handle(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            reply = await self.execute(message)
        except (ValueError, KeyError) as exc:
            log.warning("malformed command", extra={"error": str(exc)})
            return
        await self.redis.lpush(reply_key(message["id"]), json.dumps(reply))
        await self.redis.expire(reply_key(message["id"]), REPLY_TTL)

    async def execute(self, message: dict) -> dict:
        from ivr.call_types import Command

        session = self.worker.sessions.get(int(message["call_id"]))
        if session is None:
            return {"ok": False, "status": 409, "detail": "通话已结束或不在本节点 (call not active)"}
        future = asyncio.get_running_loop().create_future()
        session.post(Command(message["action"], message.get("args") or {}, message.get("actor_id"),
                             message.get("actor_role", ""), future))
        try:
            return await asyncio.wait_for(future, COMMAND_TIMEOUT)
        except TimeoutError:
            return {"ok": False, "status": 504, "detail": "call did not act in time"}
