"""API side of call control: checks, then the command to the worker that owns the call
(calls.commands); the worker's answer becomes the HTTP answer."""
from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from acd.store import AcdStore
from calls.commands import CommandUnavailable, send_command
from calls.visibility import visible_call
from core.errors import Conflict, DomainError, Forbidden, NotFound


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"


_ERRORS = {403: Forbidden, 404: NotFound, 409: Conflict}


async def control(session: AsyncSession, redis: Redis, *, call_id: int, action: str, args: dict[str, Any],
                  principal: Principal, command_id: str | None = None) -> dict:
    """Run `action` on a live call of the principal's scope (R-31); returns the worker's data.
    A command_id already used runs nothing again: the first run's answer is returned."""
    call = await visible_call(session, principal, call_id, AcdStore(redis))
    if call.ended_at is not None:
        raise Conflict("通话已结束 (call has ended)")
    try:
        reply = await send_command(redis, app=call.app, call_id=call_id, action=action, args=args,
                                   actor_id=principal.user_id, actor_role=principal.role,
                                   command_id=command_id)
    except CommandUnavailable as exc:
        raise ServiceUnavailable(f"呼叫控制暂不可用 ({exc})") from exc
    except RedisError as exc:  # the command channel is down: the same answer as no worker
        raise ServiceUnavailable("呼叫控制暂不可用 (command channel unavailable)") from exc
    if not reply.get("ok"):
        status = int(reply.get("status", 409))
        error = _ERRORS.get(status)
        if error is None:
            err = DomainError(reply.get("detail", "call control failed"))
            err.status_code = status if 400 <= status < 600 else 409
            raise err
        raise error(reply.get("detail", "call control failed"))
    return reply.get("data") or {}
