"""The call-control command channel (worker side): answers for calls it does not serve, and
never spins when it serves no application (it must not starve the worker's event loop)."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from ivr.commands import CommandServer, CommandUnavailable, command_key, reply_key, send_command
from ivr.ownership import OWNER_TTL_SECONDS, owner_key


async def test_no_application_no_busy_loop(redis):
    server = CommandServer(SimpleNamespace(apps={}, sessions={}), redis)
    task = asyncio.create_task(server.run())
    try:
        await asyncio.wait_for(asyncio.sleep(0.2), timeout=2)  # the loop still gets its turn
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_call_not_served_here_is_refused_at_once(redis):
    server = CommandServer(SimpleNamespace(apps={"hotline-x": object()}, sessions={}), redis)
    task = asyncio.create_task(server.run())
    try:
        await redis.rpush(command_key("hotline-x"), json.dumps(
            {"id": "c1", "call_id": 5, "action": "hold", "args": {}, "actor_id": 1, "actor_role": "agent"}))
        _, raw = await redis.blpop([reply_key("c1")], timeout=5)
        assert json.loads(raw) == {"ok": False, "status": 409, "detail": "通话已结束或不在本节点 (call not active)"}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_command_waits_for_the_owner_key_to_come_back(redis):
    """Redis restarted (or a worker takes over): the owner key is back within a heartbeat, and
    a command sent meanwhile is served instead of refused (R-01)."""
    server = CommandServer(SimpleNamespace(apps={"hotline-y": object()}, sessions={}), redis)
    served = asyncio.create_task(server.run())
    sent = asyncio.create_task(send_command(redis, app="hotline-y", call_id=6, action="hold", args={},
                                            actor_id=1, actor_role="agent"))
    try:
        await asyncio.sleep(0.3)  # the gap before the worker's heartbeat re-takes its key
        assert not sent.done()
        await redis.set(owner_key("hotline-y"), "w1", ex=OWNER_TTL_SECONDS)
        reply = await asyncio.wait_for(sent, timeout=10)
        assert reply["status"] == 409  # answered by the worker (no such call there)
    finally:
        served.cancel()
        await asyncio.gather(served, sent, return_exceptions=True)


async def test_a_command_for_an_application_nobody_serves_fails_after_one_ttl(redis):
    started = asyncio.get_running_loop().time()
    with pytest.raises(CommandUnavailable):
        await send_command(redis, app="hotline-gone", call_id=7, action="hold", args={}, actor_id=1,
                           actor_role="agent")
    assert asyncio.get_running_loop().time() - started >= OWNER_TTL_SECONDS
    assert await redis.llen(command_key("hotline-gone")) == 0  # nothing left behind for nobody
