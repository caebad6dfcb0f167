"""On the real Asterisk: click-to-call rings the agent's seat first, then the citizen over the trunk
showing 12345; the call is recorded, has direction `outbound` and closes the callback task it was
made for; a number off the allow-list is refused (422) and leaves an audit trace."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import utcnow
from models import AuditEvent, CallbackTask
from pbx.render import split_host_port
from tests.callbacks.helpers import citizen_phone, committing_client
from tests.telephony.helpers import ready, wait_call
from tests.telephony_sipp import answerer_scenario

pytestmark = pytest.mark.timeout(180)


async def test_click_to_call_rings_the_seat_then_the_citizen(asterisk, workers, sipp, engine, side_engine, seeded,
                                                             redis, telephony_settings, tone_pcap,
                                                             forget):
    number = citizen_phone()
    async with AsyncSession(engine) as session:
        task = CallbackTask(kind="missed_call", phone=number, status="open", created_at=utcnow(), due_at=utcnow(),
                            abandons=1, attempts=0)
        session.add(task)
        await session.flush()
        task_id = task.id
        forget.tasks.append(task_id)
        await session.commit()
    host, port = split_host_port(telephony_settings.telephony.pstn_address)
    citizen = sipp.start(answerer_scenario(audio=tone_pcap, talk_ms=4000), ip=host, port=port, target=False,
                         name="citizen")
    phone = sipp.phone("1001", asterisk.sip_password("1001"), name="agent-phone")
    async with committing_client(telephony_settings, engine, side_engine, redis) as client:
        agent = await ready(client, "agent1001")  # ready in the ACD: busy during the call back, ready after
        refused = await client.post("/api/v1/calls/outbound", json={"number": "95588"}, headers=agent)
        assert refused.status_code == 422
        bad = await client.post("/api/v1/calls/outbound", json={"number": "12a"}, headers=agent)
        assert bad.status_code == 422
        response = await client.post("/api/v1/calls/outbound", json={"number": number, "callback_id": task_id},
                                     headers=agent)
        assert response.status_code == 200, response.text
        call_id = response.json()["call_id"]
        call = await wait_call(engine, call_id, lambda c: c.ended_at is not None, timeout=60)
        assert citizen.wait(20) == 0 and phone.wait(20) == 0, citizen.log_tail() + phone.log_tail()
        listed = (await client.get(f"/api/v1/calls/{call_id}", headers=agent)).json()
        state = (await client.get("/api/v1/acd/agents/me", headers=agent)).json()
    assert state["state"] == "ready", state
    assert call.direction == "outbound" and call.caller_number == number and call.callback_id == task_id
    assert call.answered_at is not None and call.disposition == "outbound" and call.recording_id is not None
    assert call.extension == "1001" and listed["id"] == call_id and listed["direction"] == "outbound"
    invite = next(m for m in citizen.messages().split("\n\n") if f"INVITE sip:{number}@" in m)
    assert "<sip:12345@" in invite
    async with AsyncSession(engine) as session:
        stored = await session.get(CallbackTask, task_id)
        audits = (await session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(("outside_dialled", "outside_dial_refused"))))).all()
    assert (stored.status, stored.outcome, stored.attempts) == ("done", "called_back", 1)
    assert "outside_dialled" in audits and "outside_dial_refused" in audits
