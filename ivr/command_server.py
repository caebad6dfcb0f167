"""The worker's side of the call-control command channel (the contract: calls/commands.py):
pops the commands for every application the worker holds and hands each to its call."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from calls.commands import (
    COMMAND_TIMEOUT,
    EXPIRED_REPLY,
    REPLY_TTL,
    STATE_TTL,
    Command,
    abandon,
    claim,
    command_key,
    reply_key,
    result_key,
)
from core.kv import BLOCKING_SLICE_SECONDS

if TYPE_CHECKING:
    from ivr.worker import Worker

log = logging.getLogger(__name__)


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
                item = await self.redis.blpop(keys, timeout=BLOCKING_SLICE_SECONDS)
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
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the API times out: say why here
            log.error("call-control command failed", exc_info=task.exception())

    async def handle(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            command_id = str(message["id"])
            delivery = str(message.get("reply_to") or command_id)
            expires_at = message.get("expires_at")
            if expires_at is not None and time.time() >= float(expires_at):
                log.info("expired command dropped", extra={"action": message.get("action"),
                                                           "call_id": message.get("call_id")})
                return  # the API has answered already: nobody waits, nothing runs
            reply = await self.execute(message)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("malformed command", extra={"error": str(exc)})
            return
        await self.redis.lpush(reply_key(delivery), json.dumps(reply))
        await self.redis.expire(reply_key(delivery), REPLY_TTL)

    async def execute(self, message: dict) -> dict:
        session = self.worker.sessions.get(int(message["call_id"]))
        if session is None:
            return {"ok": False, "status": 409, "detail": "通话已结束或不在本节点 (call not active)"}
        command_id = str(message["id"])
        expires_at = message.get("expires_at")
        outcome: list[str] = []

        async def claim_it() -> str:
            outcome.append(await claim(self.redis, command_id))
            return outcome[-1]

        future = asyncio.get_running_loop().create_future()
        session.post(Command(message["action"], message.get("args") or {}, message.get("actor_id"),
                             message.get("actor_role", ""), future, command_id=command_id,
                             expires_at=float(expires_at) if expires_at is not None else None, claim=claim_it))
        wait = COMMAND_TIMEOUT if expires_at is None else max(0.0, float(expires_at) - time.time())
        try:
            reply = await asyncio.wait_for(asyncio.shield(future), wait)
        except TimeoutError:
            if await abandon(self.redis, command_id):
                return EXPIRED_REPLY  # the call never got to it, and now never will
            try:  # the call is acting on it right now: its answer follows
                reply = await asyncio.wait_for(future, COMMAND_TIMEOUT)
            except TimeoutError:
                return {"ok": False, "status": 504, "detail": "call did not act in time"}
        if reply.get("duplicate"):
            return await self._first_result(command_id) or reply
        if outcome == ["run"]:
            await self.redis.set(result_key(command_id), json.dumps(reply), ex=STATE_TTL)
        return reply

    async def _first_result(self, command_id: str) -> dict | None:
        """The reply of the run of a command sent twice (it may still be finishing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + COMMAND_TIMEOUT
        while (done := await self.redis.get(result_key(command_id))) is None:
            if loop.time() >= deadline:
                return None
            await asyncio.sleep(0.1)  # polling period; bounded by the deadline above
        return json.loads(done)
