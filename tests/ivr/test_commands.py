"""The call-control command channel (worker side): answers for calls it does not serve, and
never spins when it serves no application (it must not starve the worker's event loop)."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from ivr.commands import CommandServer, command_key, reply_key


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
