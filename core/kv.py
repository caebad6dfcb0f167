"""Redis, or an in-process implementation of the same interface when no Redis is configured.

The live ACD state, locks, login throttling and event fan-out use this client. With
HOTLINE_REDIS_URL unset the platform runs as one process on fakeredis (same commands, Lua
and pub/sub included): every client made in the process shares one in-memory store, so the
API, the ARI worker and the scheduler of `hotline up` see the same state. That is only
correct inside one process: the embedded default, not a deployment.

Every real client has a connect and a read timeout (R-01): a Redis that accepts connections
but never answers makes a command fail within seconds instead of hanging a request or a
call. Blocking reads therefore wait in short slices (BLOCKING_SLICE_SECONDS, well below any
sensible read timeout), and a subscription is read with `subscription_messages`, never
`pubsub.listen()` (whose read would hit the read timeout whenever the channel is quiet).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core.settings import Settings

DEFAULT_SOCKET_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 2.0
BLOCKING_SLICE_SECONDS = 1  # BLPOP & co. wait at most this long per command
SUBSCRIPTION_POLL_SECONDS = 1.0

_in_process_server = None


def _shared_fake_server():
    global _in_process_server
    if _in_process_server is None:
        from fakeredis import FakeServer

        _in_process_server = FakeServer()
    return _in_process_server


def client_options(*, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
                   connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> dict[str, Any]:
    """Connection options of every real Redis client of the platform."""
    return {"decode_responses": True, "health_check_interval": 30, "socket_timeout": socket_timeout,
            "socket_connect_timeout": connect_timeout, "socket_keepalive": True}


def create_redis(url: str | None, *, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Redis:
    """A real Redis client for url, else a client of this process's in-memory store."""
    if url:
        return Redis.from_url(url, **client_options(socket_timeout=socket_timeout, connect_timeout=connect_timeout))
    from fakeredis import FakeAsyncRedis

    return FakeAsyncRedis(server=_shared_fake_server(), decode_responses=True)


def redis_for(settings: Settings) -> Redis:
    """The process's Redis client, with the configured timeouts."""
    return create_redis(settings.redis.redis_url, socket_timeout=settings.redis.redis_socket_timeout_seconds,
                        connect_timeout=settings.redis.redis_connect_timeout_seconds)


async def subscription_messages(pubsub: PubSub) -> AsyncIterator[dict]:
    """The messages of a subscription, read in bounded polls so a quiet channel is not taken
    for a hung server (the client's read timeout stays in force for everything else)."""
    while True:
        message = await pubsub.get_message(timeout=SUBSCRIPTION_POLL_SECONDS)
        if message is not None:
            yield message
