"""Call records API (R-05, R-35): newest first, masked numbers without the personal-data
permission, every view of a caller's number audited; call control refuses what cannot be."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from audit.service import search_query
from core.timeutil import utcnow
from models import AuditEvent, Call, CallEvent, Recording, User
from tests.conftest import login


async def _call(session, **fields) -> Call:
    now = utcnow()
    defaults = {"channel_id": f"test-{now.timestamp()}-{fields.get('caller_number', '')}", "app": "hotline-x",
                "node": "n", "caller_number": "13800138000", "phase": "ended", "disposition": "answered",
                "queue": "general", "started_at": now - timedelta(minutes=5),
                "entered_queue_at": now - timedelta(minutes=4), "answered_at": now - timedelta(minutes=4),
                "ended_at": now}
    call = Call(**{**defaults, **fields})
    session.add(call)
    await session.flush()
    return call


async def test_list_newest_first_with_the_fields(client, session):
    first = await _call(session, caller_number="13811110001")
    second = await _call(session, caller_number="13811110002", disposition="abandoned", answered_at=None)
    await session.commit()
    response = await client.get("/api/v1/calls?limit=2", headers=await login(client, "supervisor"))
    assert response.status_code == 200
    items = response.json()
    assert [i["id"] for i in items] == [second.id, first.id]
    for key in ("id", "caller_number", "queue", "agent", "extension", "disposition", "entered_queue_at",
                "answered_at", "ended_at", "recording_id"):
        assert key in items[0]
    assert items[0]["caller_number"] == "13811110002" and items[0]["disposition"] == "abandoned"


async def test_numbers_masked_without_personal_data_permission(client, session, settings):
    from access.permissions import ROLE_PERMISSIONS, Permission, Role

    assert Permission.PERSONAL_DATA_READ not in ROLE_PERMISSIONS[Role.EXPERT]
    call = await _call(session, caller_number="13822220003")
    session.add(CallEvent(call_id=call.id, type="transferred", detail={"target": "2001"}))  # the expert's call
    await session.commit()
    item = (await client.get(f"/api/v1/calls/{call.id}", headers=await login(client, "expert2001"))).json()
    assert item["caller_number"] == "138****0003"


async def test_detail_has_events_and_recording_and_views_are_audited(client, session):
    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    call = await _call(session, caller_number="13833330004", agent_id=agent.id)  # a seat reads its own calls
    session.add(CallEvent(call_id=call.id, type="answered", detail={"extension": "1001"}))
    recording = Recording(call_id=call.id, path="2026/01/01/x.wav", sha256="0" * 64, duration_seconds=3.5,
                          size_bytes=56044, retain_until=utcnow() + timedelta(days=731))
    session.add(recording)
    await session.flush()
    call.recording_id = recording.id
    await session.commit()
    headers = await login(client, "agent1001")
    body = (await client.get(f"/api/v1/calls/{call.id}", headers=headers)).json()
    assert body["events"][0]["type"] == "answered" and body["recording"]["duration_seconds"] == 3.5
    viewed = (await session.scalars(search_query(action="call_viewed", resource_id=str(call.id)))).all()
    assert viewed and viewed[0].actor_username == "agent1001"
    await client.get("/api/v1/calls?limit=5", headers=headers)
    listed = await session.scalar(select(AuditEvent).where(AuditEvent.action == "calls_viewed")
                                  .order_by(AuditEvent.id.desc()))
    assert call.id in listed.detail["call_ids"]


async def test_unknown_call_is_404_and_bad_input_422(client):
    headers = await login(client, "supervisor")
    assert (await client.get("/api/v1/calls/999999", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/calls?limit=0", headers=headers)).status_code == 422
    assert (await client.get("/api/v1/calls?limit=501", headers=headers)).status_code == 422
    assert (await client.get("/api/v1/calls/99999999999", headers=headers)).status_code == 422


async def test_call_control_refusals(client, session, redis):
    headers = await login(client, "agent1001")
    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    ended = await _call(session, caller_number="13844440005", agent_id=agent.id)
    live = await _call(session, caller_number="13844440006", phase="bridged", disposition=None, ended_at=None,
                       app="hotline-nobody", agent_id=agent.id)
    await session.commit()
    assert (await client.post("/api/v1/calls/999999/hold", headers=headers)).status_code == 404
    assert (await client.post(f"/api/v1/calls/{ended.id}/hold", headers=headers)).status_code == 409
    response = await client.post(f"/api/v1/calls/{live.id}/hold", headers=headers)
    assert response.status_code == 503  # no worker serves that application
    bad = [("/transfer", {"mode": "blind"}), ("/transfer", {"mode": "blind", "extension": "20a1"}),
           ("/transfer", {"mode": "sideways", "extension": "2001"}),
           ("/transfer", {"extension": "2001", "queue": "general"}), ("/emergency", {"service": "999"}),
           ("/parties", {}), ("/parties", {"number": "12", "extension": "2001"})]
    for suffix, body in bad:
        response = await client.post(f"/api/v1/calls/{live.id}{suffix}", json=body, headers=headers)
        assert response.status_code == 422, (suffix, body, response.text)
    auditor = await login(client, "auditor")
    assert (await client.post(f"/api/v1/calls/{live.id}/hold", headers=auditor)).status_code == 403


async def test_call_control_reaches_the_owning_worker(client, session, redis):
    """The API pushes the command onto the app's Redis list and returns the worker's answer."""
    import asyncio
    import json

    from calls.commands import command_key, owner_key, reply_key

    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    live = await _call(session, caller_number="13855550007", phase="bridged", disposition=None, ended_at=None,
                       app="hotline-fake", agent_id=agent.id)
    await session.commit()
    await redis.set(owner_key("hotline-fake"), "fake-worker", ex=30)

    async def fake_worker():
        _, raw = await redis.blpop([command_key("hotline-fake")], timeout=10)
        message = json.loads(raw)
        assert message["action"] == "emergency" and message["args"] == {"service": "120"}
        assert message["actor_role"] == "agent"
        await redis.lpush(reply_key(message["id"]), json.dumps({"ok": True, "status": 200, "data": {"leg": "x"}}))

    worker = asyncio.create_task(fake_worker())
    response = await client.post(f"/api/v1/calls/{live.id}/emergency", json={"service": "120"},
                                 headers=await login(client, "agent1001"))
    await worker
    assert response.status_code == 200 and response.json() == {"ok": True, "call_id": live.id,
                                                               "action": "emergency", "data": {"leg": "x"}}
