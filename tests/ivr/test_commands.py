"""The call-control command channel (worker side): answers for calls it does not serve, and
never spins when it serves no application (it must not starve the worker's event loop)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from types import SimpleNamespace

import pytest

from calls.commands import (
    EXPIRED_REPLY,
    OWNER_TTL_SECONDS,
    Command,
    CommandUnavailable,
    command_key,
    owner_key,
    reply_key,
    send_command,
    state_key,
)
from ivr.command_server import CommandServer
from ivr.session import CallSession
from tests.ivr.call_ports import fake_ports


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


# ---------------------------------------------------------------- expiry and command ids
class CountingCalls:
    """The call's ARI side, reduced to counting hang-ups (what the commands below do)."""

    def __init__(self) -> None:
        self.hangups: list[str] = []

    async def hangup(self, channel_id: str) -> None:
        self.hangups.append(channel_id)


def waiting_call(call_id: int) -> CallSession:
    """A real call actor in its voice menu (a supervisor's hang-up is the command it takes)."""
    return CallSession(fake_ports(telephony=CountingCalls()), "hotline-z", call_id=call_id, caller=f"ch-{call_id}",
                       caller_number="13900000000")


async def reading(session: CallSession) -> None:
    while True:
        await session.next()


@contextlib.asynccontextmanager
async def serving(redis, session: CallSession | None, *, read: bool = True):
    sessions = {session.call_id: session} if session else {}
    server = CommandServer(SimpleNamespace(apps={"hotline-z": object()}, sessions=sessions), redis)
    await redis.set(owner_key("hotline-z"), "w1", ex=60)
    tasks = [asyncio.create_task(server.run())]
    if read and session is not None:
        tasks.append(asyncio.create_task(reading(session)))
    try:
        yield server
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def hangup(redis, call_id: int, **kwargs):
    return send_command(redis, app="hotline-z", call_id=call_id, action="hangup", args={}, actor_id=1,
                        actor_role="supervisor", **kwargs)


async def test_an_expired_command_is_dropped_unrun(redis):
    call = waiting_call(21)
    server = CommandServer(SimpleNamespace(apps={"hotline-z": object()}, sessions={21: call}), redis)
    await server.handle(json.dumps({"id": "old-1", "reply_to": "old-1", "expires_at": time.time() - 1,
                                    "call_id": 21, "action": "hangup", "args": {}, "actor_id": 1,
                                    "actor_role": "supervisor"}))
    assert call.inbox.empty() and call.ports.telephony.hangups == []
    assert await redis.llen(reply_key("old-1")) == 0  # the API answered long ago: no reply either


async def test_a_command_that_expired_while_the_call_was_busy_is_dropped(redis):
    call = waiting_call(22)
    reply = asyncio.get_running_loop().create_future()
    call.post(Command("hangup", {}, 1, "supervisor", reply, command_id="c-22", expires_at=time.time() - 0.01))
    reader = asyncio.create_task(reading(call))
    try:
        assert (await asyncio.wait_for(reply, 5))["status"] == 504
    finally:
        reader.cancel()
    assert call.ports.telephony.hangups == []


async def test_the_api_gave_up_so_the_command_never_runs(redis):
    """The call was busy past the command's expiry: the API is answered "expired" (504), and
    the command, still in the call's inbox, is not run when the call gets to it."""
    call = waiting_call(23)
    async with serving(redis, call, read=False):
        reply = await asyncio.wait_for(hangup(redis, 23, command_id="gave-up-23", timeout=0.5), 10)
        assert reply == EXPIRED_REPLY
        assert not call.inbox.empty()  # delivered, waiting for the busy call
        reader = asyncio.create_task(reading(call))
        try:
            async with asyncio.timeout(5):
                while not call.inbox.empty():
                    await asyncio.sleep(0.02)  # polling the inbox, bounded by the timeout
        finally:
            reader.cancel()
        assert call.ports.telephony.hangups == []
        assert await redis.get(state_key("gave-up-23")) == "abandoned"


async def test_the_same_command_id_twice_runs_once(redis):
    call = waiting_call(24)
    async with serving(redis, call):
        first = await asyncio.wait_for(hangup(redis, 24, command_id="retry-24"), 15)
        again = await asyncio.wait_for(hangup(redis, 24, command_id="retry-24"), 15)
        assert first == again == {"ok": True, "status": 200, "data": {}}
        assert call.ports.telephony.hangups == ["ch-24"]
        other = await asyncio.wait_for(hangup(redis, 24), 15)  # a new command does run
        assert other["ok"] and call.ports.telephony.hangups == ["ch-24", "ch-24"]


async def test_the_same_command_id_sent_twice_at_once_runs_once(redis):
    call = waiting_call(25)
    async with serving(redis, call):
        replies = await asyncio.wait_for(asyncio.gather(hangup(redis, 25, command_id="twin-25"),
                                                        hangup(redis, 25, command_id="twin-25")), 15)
        assert replies[0] == replies[1] == {"ok": True, "status": 200, "data": {}}
        assert call.ports.telephony.hangups == ["ch-25"]


async def test_a_command_nobody_picked_up_is_taken_back_when_the_api_gives_up(redis):
    """No command server reads the list (the worker hangs): the API answers 503 and the command
    is neither left in the list nor runnable later."""
    await redis.set(owner_key("hotline-z"), "w1", ex=60)
    with pytest.raises(CommandUnavailable):
        await asyncio.wait_for(hangup(redis, 26, command_id="lost-26", timeout=0.3), 10)
    assert await redis.llen(command_key("hotline-z")) == 0
    assert await redis.get(state_key("lost-26")) == "abandoned"
