"""Dialling an outside number (R-35): only allow-listed numbers, audited, rate-limited per user,
and the leg shows the hotline's number — checked at the API and again in the worker."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from sqlalchemy import select

from calls.commands import Command, command_key, owner_key, reply_key
from calls.outside import KEY
from core.timeutil import utcnow
from ivr.plugin import call_policy
from ivr.session import CallSession
from models import AuditEvent, Call, CallEvent, User
from tests.conftest import login
from tests.ivr.call_ports import fake_ports


async def _live_call(session, app: str, *seats: str) -> Call:
    """A live call the named seats are on (a seat controls only its own calls, calls.visibility)."""
    ids = [await session.scalar(select(User.id).where(User.username == s)) for s in seats]
    call = Call(channel_id=f"outside-{utcnow().timestamp()}", app=app, node="n", caller_number="13811112222",
                phase="bridged", queue="general", started_at=utcnow(), agent_id=ids[0] if ids else None)
    session.add(call)
    await session.flush()
    for user_id in ids[1:]:
        session.add(CallEvent(call_id=call.id, type="party_added", actor_id=user_id, detail={}))
    await session.commit()
    return call


async def _audit(session, action: str, call: Call) -> list[AuditEvent]:
    """This call's audit rows only: tests on the real Asterisk commit theirs into the shared database."""
    return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                                AuditEvent.resource_id == str(call.id))
                                       .order_by(AuditEvent.id))).all())


async def test_a_number_off_the_allow_list_is_refused_audited_and_never_reaches_the_worker(client, session, redis):
    call = await _live_call(session, "hotline-outside-a", "agent1001")
    await redis.set(owner_key("hotline-outside-a"), "fake-worker", ex=30)
    headers = await login(client, "agent1001")
    for number in ("0085212345678", "95588", "4008123123", "114"):
        response = await client.post(f"/api/v1/calls/{call.id}/parties", json={"number": number}, headers=headers)
        assert response.status_code == 422, (number, response.text)
    assert await redis.llen(command_key("hotline-outside-a")) == 0
    refused = await _audit(session, "outside_dial_refused", call)
    assert [e.detail["number"] for e in refused] == ["0085212345678", "95588", "4008123123", "114"]
    assert {e.actor_username for e in refused} == {"agent1001"} and refused[0].resource_id == str(call.id)


async def test_an_allowed_number_is_dialled_audited_and_rate_limited(client, session, redis, settings):
    call = await _live_call(session, "hotline-outside-b", "agent1002", "agent1003")
    await redis.set(owner_key("hotline-outside-b"), "fake-worker", ex=30)
    headers = await login(client, "agent1002")

    async def fake_worker():
        _, raw = await redis.blpop([command_key("hotline-outside-b")], timeout=10)
        message = json.loads(raw)
        assert message["action"] == "add_party" and message["args"] == {"number": "02885551234"}
        await redis.lpush(reply_key(message["id"]), json.dumps({"ok": True, "status": 200, "data": {"leg": "p"}}))

    worker = asyncio.create_task(fake_worker())
    response = await client.post(f"/api/v1/calls/{call.id}/parties", json={"number": "02885551234"}, headers=headers)
    await worker
    assert response.status_code == 200, response.text
    [dialled] = await _audit(session, "outside_dialled", call)
    assert dialled.detail == {"number": "02885551234", "caller_id": "12345"}
    # the user has used up the hour: the next one is refused with Retry-After, and audited
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()["id"]
    await redis.set(KEY.format(user_id=me), settings.dialling.outside_dials_per_hour, ex=600)
    over = await client.post(f"/api/v1/calls/{call.id}/parties", json={"number": "13900001111"}, headers=headers)
    assert over.status_code == 429 and 0 < int(over.headers["retry-after"]) <= 600
    assert await redis.llen(command_key("hotline-outside-b")) == 0
    assert (await _audit(session, "outside_dial_refused", call))[-1].detail["why"] == "rate"
    # the limit is per user: another agent still dials
    other = await login(client, "agent1003")
    worker = asyncio.create_task(_answer_once(redis, "hotline-outside-b"))
    assert (await client.post(f"/api/v1/calls/{call.id}/parties", json={"number": "13900001111"},
                              headers=other)).status_code == 200
    await worker


async def _answer_once(redis, app: str) -> None:
    _, raw = await redis.blpop([command_key(app)], timeout=10)
    await redis.lpush(reply_key(json.loads(raw)["id"]), json.dumps({"ok": True, "status": 200, "data": {}}))


class _FakeCall:
    """A real call actor whose ARI side only originates (no Asterisk)."""

    def __init__(self, settings) -> None:
        self.originated: list[dict] = []
        self.recorded: list[dict] = []

        async def originate(**params):
            self.originated.append(params)

        async def call_action(*args, **kwargs):
            return None

        publisher = SimpleNamespace(calls=SimpleNamespace(call_action=call_action))
        ports = fake_ports(telephony=SimpleNamespace(originate=originate), publisher=publisher,
                           policy=call_policy(settings))
        self.session = CallSession(ports, "hotline-test", call_id=41, caller="ch-41", caller_number="13811112222")
        self.session.record = lambda **fields: self.recorded.append(fields)

    async def cmd_add_party(self, command: Command) -> dict:
        return await self.session.control.cmd_add_party(command)


def _command(**args) -> Command:
    return Command(action="add_party", args=args, actor_id=5, actor_role="agent",
                   reply=asyncio.get_running_loop().create_future())


async def test_the_worker_dials_an_outside_party_with_the_hotline_number(settings):
    session = _FakeCall(settings.replace(outbound_caller_id="12345"))
    reply = await session.cmd_add_party(_command(number="13900001111"))
    assert reply["ok"]
    [params] = session.originated
    assert params["endpoint"] == "PJSIP/13900001111@pstn"
    assert params["caller_id"] == '"12345" <12345>' and "13811112222" not in params["caller_id"]


async def test_the_worker_refuses_a_number_off_the_allow_list(settings):
    session = _FakeCall(settings)
    reply = await session.cmd_add_party(_command(number="0085212345678"))
    assert reply == {"ok": False, "status": 422, "detail": "该号码不允许外呼 (number not on the allow-list)"}
    assert session.originated == []
