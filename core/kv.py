"""Redis, or an in-process implementation of the same interface when no Redis is configured.

The live ACD state, locks, login throttling and event fan-out use this client. With
HOTLINE_REDIS_URL unset the platform runs as one process on fakeredis (same commands, Lua
and pub/sub included): every client made in the process shares one in-memory store, so the
API, the ARI worker and the scheduler of `hotline up` see the same state. That is only
correct inside one process: the embedded default, not a deployment.
"""
from __future__ import annotations

from redis.asyncio import Redis

_in_process_server = None


def _shared_fake_server():
    global _in_process_server
    if _in_process_server is None:
        from fakeredis import FakeServer

        _in_process_server = FakeServer()
    return _in_process_server


def create_redis(url: str | None) -> Redis:
    """A real Redis client for url, else a client of this process's in-memory store."""
    if url:
        return Redis.from_url(url, decode_responses=True, health_check_interval=30)
    from fakeredis import FakeAsyncRedis

    return FakeAsyncRedis(server=_shared_fake_server(), decode_responses=True)
