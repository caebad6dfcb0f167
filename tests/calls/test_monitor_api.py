"""POST / PATCH / DELETE /api/v1/calls/{id}/monitor at the API (issue 15): who may, the checks,
the audit, and the command the call's worker gets (the worker is played here by the test on the
real Redis command channel; the real worker and Asterisk: tests/telephony/test_monitor.py)."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from calls.commands import command_key, owner_key, reply_key
from core.kv import BLOCKING_SLICE_SECONDS
from core.timeutil import utcnow
from models import AuditEvent, Call, User
from tests.conftest import login

APP = "hotline-monitor-api"


async def _live_call(session) -> Call:
    agent = await session.scalar(select(User.id).where(User.username == "agent1001"))
    call = Call(channel_id=f"monitor-{utcnow().timestamp()}", app=APP, node="n", caller_number="13811112222",
                phase="bridged", queue="general", started_at=utcnow(), agent_id=agent)
    session.add(call)
    await session.commit()
    return call


async def _next_command(redis) -> dict:
    """The next command on the call's channel, as its worker pops it (in slices the client's read
    timeout allows, at most 20 s)."""
    for _ in range(int(20 / BLOCKING_SLICE_SECONDS)):
        item = await redis.blpop([command_key(APP)], timeout=BLOCKING_SLICE_SECONDS)
        if item is not None:
            return json.loads(item[1])
    raise AssertionError("no command reached the worker")


async def _audited(session, call_id: int) -> list[tuple[str, dict]]:
    rows = (await session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "call",
                                                           AuditEvent.resource_id == str(call_id))
                                  .order_by(AuditEvent.id))).all()
    return [(r.action, r.detail) for r in rows]


async def test_only_supervisors_and_admins_of_the_calls_region_may_monitor(client, session, redis):
    call = await _live_call(session)
    path, body = f"/api/v1/calls/{call.id}/monitor", {"mode": "listen", "extension": "3001"}
    for username in ("agent1001", "expert2001", "auditor", "wh_zjj"):
        headers = await login(client, username)
        for method, payload in (("POST", body), ("PATCH", {"mode": "barge"}), ("DELETE", None)):
            response = await client.request(method, path, json=payload, headers=headers)
            assert response.status_code == 403, (username, method, response.text)
    response = await client.post(path, json=body, headers=await login(client, "chengdu"))
    assert response.status_code == 404  # another region's supervisor: the call is not theirs to see
    boss = await login(client, "supervisor")
    for bad in ({"mode": "spy", "extension": "3001"}, {"mode": "listen", "extension": "1001"},
                {"mode": "listen", "extension": "3011"}, {"mode": "listen"}):
        assert (await client.post(path, json=bad, headers=boss)).status_code == 422, bad
    response = await client.post(path, json=body, headers=await login(client, "admin"))
    assert response.status_code == 403  # 3001 is the supervisor's seat
    assert await redis.llen(command_key(APP)) == 0  # nothing reached a worker
    assert ("call_monitor_started_refused", {"mode": "listen", "extension": "3001", "status": 403,
            "reason": "该分机属于其他人 (that supervisor seat is someone else's)"}) in await _audited(session, call.id)


async def test_the_monitor_is_a_command_of_the_calls_worker_and_audited(client, session, redis):
    call = await _live_call(session)
    await redis.set(owner_key(APP), "test-worker", ex=30)
    boss = await login(client, "supervisor")
    seen = []

    async def worker():  # the call's worker: answers each command as ivr.monitor would
        for _ in range(3):
            message = await _next_command(redis)
            seen.append(message)
            await redis.lpush(reply_key(message["reply_to"]), json.dumps(
                {"ok": True, "status": 200, "data": {"mode": message["args"].get("mode")}}))

    task = asyncio.create_task(worker())
    path = f"/api/v1/calls/{call.id}/monitor"
    started = await client.post(path, json={"mode": "whisper", "extension": "3001"}, headers=boss)
    assert started.status_code == 200, started.text
    assert started.json() == {"ok": True, "call_id": call.id, "action": "monitor", "data": {"mode": "whisper"}}
    assert (await client.patch(path, json={"mode": "barge"}, headers=boss)).status_code == 200
    assert (await client.delete(path, headers=boss)).status_code == 200
    await asyncio.wait_for(task, 25)
    supervisor = await session.scalar(select(User.id).where(User.username == "supervisor"))
    assert [(m["action"], m["args"], m["actor_id"], m["actor_role"], m["call_id"]) for m in seen] == [
        ("monitor", {"mode": "whisper", "extension": "3001", "supervisor": "supervisor"}, supervisor, "supervisor",
         call.id),
        ("monitor_mode", {"mode": "barge"}, supervisor, "supervisor", call.id),
        ("monitor_stop", {}, supervisor, "supervisor", call.id)]
    assert [a for a, _ in await _audited(session, call.id)] == [
        "call_monitor_started", "call_monitor_mode_changed", "call_monitor_stopped"]


async def test_a_refusal_of_the_worker_becomes_the_answer_and_stays_audited(client, session, redis):
    call = await _live_call(session)
    await redis.set(owner_key(APP), "test-worker", ex=30)

    async def worker():
        message = await _next_command(redis)
        await redis.lpush(reply_key(message["reply_to"]), json.dumps(
            {"ok": False, "status": 409, "detail": "分机 3001 未注册 (extension not registered)"}))

    task = asyncio.create_task(worker())
    response = await client.post(f"/api/v1/calls/{call.id}/monitor", json={"mode": "listen", "extension": "3001"},
                                 headers=await login(client, "supervisor"))
    await asyncio.wait_for(task, 25)
    assert response.status_code == 409 and "未注册" in response.text
    audited = await _audited(session, call.id)
    assert [a for a, _ in audited] == ["call_monitor_started", "call_monitor_started_refused"]
    assert audited[1][1]["status"] == 409
