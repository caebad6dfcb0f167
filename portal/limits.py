"""Per-address limits of the public endpoints (Redis counters; one window each)."""
from __future__ import annotations

from redis.asyncio import Redis

from core.errors import TooManyRequests


async def hit(redis: Redis, kind: str, address: str | None, *, limit: int, window_seconds: int) -> None:
    """Count one request of `kind` from address; 429 with Retry-After past `limit` per window."""
    key = f"portal:{kind}:{address or 'unknown'}"
    count = await redis.incr(key)
    if count == 1:
        await redis.expire(key, window_seconds)
    if count > limit:
        retry = await redis.ttl(key)
        raise TooManyRequests("提交过于频繁，请稍后再试 (too many requests from this address)",
                              retry_after=max(int(retry), 1))


async def first_use(redis: Redis, nonce: str, ttl_seconds: int) -> bool:
    """True the first time a challenge's nonce is spent (kept until the challenge expires)."""
    return bool(await redis.set(f"portal:pow:{nonce}", "1", nx=True, ex=max(ttl_seconds, 1)))
