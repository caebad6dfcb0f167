"""Dialling an outside number on behalf of a user (R-35): the allow-list (core.dialling), a
per-user rate limit in Redis, and the audit trail. Every outbound leg goes through `authorise`."""
from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from audit.service import record
from core.dialling import outside_number_allowed
from core.errors import TooManyRequests, Unprocessable
from core.settings import Settings

WINDOW_SECONDS = 3600
KEY = "hotline:outside-dials:{user_id}"


async def authorise(session: AsyncSession, redis: Redis, settings: Settings, *, principal: Principal,
                    number: str, call_id: int) -> None:
    """Allow the dial or raise (422 not on the allow-list, 429 over the hourly limit); audited
    either way: the caller keeps a refusal's record though the request fails (UnitOfWork.keep_despite)."""
    audit = {"actor_id": principal.user_id, "actor_username": principal.username, "resource_type": "call",
             "resource_id": call_id}
    if not outside_number_allowed(number, settings.dialling.outside_numbers):
        await record(session, action="outside_dial_refused", **audit, detail={"number": number, "why": "not allowed"})
        raise Unprocessable("该号码不允许外呼 (number not on the outside-dialling allow-list)")
    key = KEY.format(user_id=principal.user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS, nx=True)
        pipe.ttl(key)
        count, _, ttl = await pipe.execute()
    if int(count) > settings.dialling.outside_dials_per_hour:
        await record(session, action="outside_dial_refused", **audit, detail={"number": number, "why": "rate"})
        raise TooManyRequests("外呼过于频繁，请稍后再试 (too many outside calls)", retry_after=max(int(ttl), 1))
    await record(session, action="outside_dialled", **audit,
                 detail={"number": number, "caller_id": settings.dialling.outbound_caller_id})
    await session.flush()  # on record before the dial is ordered
