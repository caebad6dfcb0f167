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
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from core.kv import BLOCKING_SLICE_SECONDS
from ivr.call_types import EXPIRED_REPLY, Command
from ivr.ownership import OWNER_TTL_SECONDS, owner_key

if TYPE_CHECKING:
    from ivr.worker import Worker

log = logging.getLogger(__name__)
COMMAND_TIMEOUT = 10.0  # seconds a command may wait for its call before it expires
REPLY_TTL = 60
STATE_TTL = 3600  # how long a command id is remembered (a retry within this runs nothing twice)
_FORGET_ABANDONED = """
if redis.call('GET', KEYS[1]) == 'abandoned' then return redis.call('DEL', KEYS[1]) end
return 0
"""


def command_key(app: str) -> str:
    return f"hotline:cmd:{app}"


def reply_key(delivery: str) -> str:
    return f"hotline:reply:{delivery}"


def state_key(command_id: str) -> str:
    return f"hotline:cmdstate:{command_id}"


def result_key(command_id: str) -> str:
    return f"hotline:cmdresult:{command_id}"


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
