"""Redis clients fail fast on a Redis that accepts connections and never answers (R-01): a
hung Redis costs a request or a call a few seconds, never the whole process."""
from __future__ import annotations

import asyncio
import contextlib

import pytest
from redis.exceptions import TimeoutError as RedisTimeout

from calls.commands import CommandUnavailable, send_command
from core.kv import create_redis, redis_for, subscription_messages
from core.resources import Resources
from ivr.plugin import worker_redis


@contextlib.asynccontextmanager
async def silent_server():
    """A TCP server that accepts every connection and never sends a byte: a hung Redis."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_command_on_a_hung_redis_fails_within_the_read_timeout():
    async with silent_server() as url:
        client = create_redis(url, socket_timeout=0.5)
        started = asyncio.get_running_loop().time()
        with pytest.raises(RedisTimeout):
            await asyncio.wait_for(client.get("anything"), timeout=5)  # the guard only catches a hang
        assert asyncio.get_running_loop().time() - started < 2
        await client.aclose()


async def test_every_client_of_the_platform_has_the_configured_timeouts(settings):
    configured = settings.replace(redis_socket_timeout_seconds=0.7,
                                             redis_connect_timeout_seconds=0.3)
    api = Resources.open(configured)
    clients = [api.redis, redis_for(configured), worker_redis(configured)]
    try:
        for client in clients:
            kwargs = client.connection_pool.connection_kwargs
            assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (0.7, 0.3)
    finally:
        for client in clients:
            await client.aclose()
        await api.engine.dispose()


async def test_call_control_on_a_hung_redis_fails_fast_instead_of_hanging(settings):
    async with silent_server() as url:
        hung = worker_redis(settings.replace(redis_url=url, redis_socket_timeout_seconds=0.5))
        started = asyncio.get_running_loop().time()
        with pytest.raises((RedisTimeout, CommandUnavailable)):
            await asyncio.wait_for(send_command(hung, app="hotline-x", call_id=1, action="hold", args={},
                                                actor_id=1, actor_role="agent"), timeout=10)
        assert asyncio.get_running_loop().time() - started < 3
        await hung.aclose()


async def test_a_quiet_subscription_is_not_taken_for_a_hung_server(settings, redis):
    """Subscriptions read in bounded polls: a channel silent for longer than the read timeout
    still delivers its next message."""
    quick = create_redis(settings.redis.redis_url, socket_timeout=0.3)
    pubsub = quick.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe("hotline:test:quiet")
    messages = subscription_messages(pubsub)
    first = asyncio.create_task(anext(messages))
    await asyncio.wait({first}, timeout=1.0)  # silent for three read timeouts
    assert not first.done()
    await redis.publish("hotline:test:quiet", "hello")
    assert (await asyncio.wait_for(first, timeout=5))["data"] == "hello"
    await pubsub.aclose()
    await quick.aclose()
