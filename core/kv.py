"""Redis, or an in-process implementation of the same interface when no Redis is configured.

The live ACD state, locks, login throttling and event fan-out use this client. With
HOTLINE_REDIS_URL unset the platform runs as one process on fakeredis (same commands, Lua
included), which is only correct for a single process: that is the embedded default.
"""
from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str | None) -> Redis:
    """A real Redis client for url, else an in-process one (single-process embedded default)."""
    if url:
        return Redis.from_url(url, decode_responses=True, health_check_interval=30)
    from fakeredis import FakeAsyncRedis, FakeServer

    return FakeAsyncRedis(server=FakeServer(), decode_responses=True)
