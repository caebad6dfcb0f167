"""On the real Asterisk (R-16 … R-19): the survey calls a sipp citizen behind the carrier address;
the citizen keys the three answers while the questions play (barge-in), and the ticket's callback
follows (method phone_ivr: satisfied → closed, dissatisfied and unresolved → redo); a busy citizen
is tried HOTLINE_SURVEY_ATTEMPTS times and then handed to the callback desk."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Call, CallbackTask, Recording, Ticket, TicketEvent
from pbx.render import split_host_port
from tests.callbacks.helpers import (
    busy_citizen,
    citizen_phone,
    committing_client,
    completed_ticket,
    keying_citizen,
    wait_survey,
)
from tests.conftest import login

pytestmark = pytest.mark.timeout(240)


@pytest.mark.parametrize(("digits", "status", "outcome"), [
    ("111", "closed", "satisfied"),
    ("333", "in_progress", "dissatisfied_reasonable"),
])
async def test_a_citizen_answers_the_survey_by_keys(asterisk, workers, sipp, engine, side_engine, seeded, redis,
                                                    telephony_settings, tmp_path, digits, status, outcome, forget):
    host, port = split_host_port(telephony_settings.telephony.pstn_address)
    phone = citizen_phone()
    async with committing_client(telephony_settings, engine, side_engine, redis) as client:
        ticket = await completed_ticket(client, engine, phone)
        forget.tickets.append(ticket["id"])
        keys = [(3000, digits[0]), (2000, digits[1]), (2000, digits[2])]
        citizen = sipp.start(keying_citizen(keys, tmp_path), ip=host, port=port, target=False, name="citizen")
        supervisor = await login(client, "supervisor")
        run = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": ticket["id"]}, headers=supervisor)
        assert run.status_code == 200, run.text
        assert run.json() == {"planned": 1, "due_now": 1}
        survey = await wait_survey(engine, ticket["id"], lambda s: s.status == "done", timeout=90)
        assert citizen.wait(20) == 0, citizen.log_tail()
        listed = (await client.get(f"/api/v1/callbacks/surveys?status=done&ticket_id={ticket['id']}",
                                   headers=supervisor)).json()
    assert survey.method == "phone_ivr" and survey.attempts == 1 and survey.last_result == "answered"
    assert survey.answers == {"speed": digits[0], "resolution": digits[1], "overall": digits[2]}
    assert survey.outcome == outcome
    assert [s["id"] for s in listed] == [survey.id] and listed[0]["answers"]["overall"] == digits[2]
    async with AsyncSession(engine) as session:
        stored = await session.get(Ticket, ticket["id"])
        call = await session.get(Call, survey.call_id)
        recording = await session.scalar(select(Recording).where(Recording.call_id == call.id))
        event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == stored.id,
                                                               TicketEvent.action == "callback"))
    assert stored.status == status and stored.satisfaction == outcome
    assert "phone_ivr" in event.note
    assert call.direction == "outbound" and call.caller_number == phone and call.disposition == "outbound"
    assert recording is not None and survey.recording_id == recording.id and recording.duration_seconds > 3
    invite = next(m for m in citizen.messages().split("\n\n") if f"INVITE sip:{phone}@" in m)
    assert "<sip:12345@" in invite  # the citizen sees 12345


async def test_a_busy_citizen_is_retried_then_handed_to_the_desk(asterisk, workers, sipp, engine, side_engine,
                                                                 seeded, redis, telephony_settings, forget):
    host, port = split_host_port(telephony_settings.telephony.pstn_address)
    phone = citizen_phone()
    attempts = telephony_settings.callbacks.survey_attempts
    async with committing_client(telephony_settings, engine, side_engine, redis) as client:
        ticket = await completed_ticket(client, engine, phone)
        forget.tickets.append(ticket["id"])
        citizen = sipp.start(busy_citizen(), ip=host, port=port, target=False, calls=attempts, name="busy")
        supervisor = await login(client, "supervisor")
        run = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": ticket["id"]}, headers=supervisor)
        assert run.status_code == 200, run.text
        survey = await wait_survey(engine, ticket["id"], lambda s: s.status == "unreached", timeout=90)
        assert citizen.wait(20) == 0, citizen.log_tail()
        desk = (await client.get("/api/v1/callbacks?kind=survey&status=open", headers=supervisor)).json()
    assert survey.attempts == attempts and [h["result"] for h in survey.history] == ["busy"] * attempts
    task = next(t for t in desk if t["survey_id"] == survey.id)
    assert task["phone"] == phone and task["ticket_id"] == ticket["id"] and task["status"] == "open"
    async with AsyncSession(engine) as session:
        stored = await session.get(Ticket, ticket["id"])
        tasks = (await session.scalars(select(CallbackTask).where(CallbackTask.survey_id == survey.id))).all()
    assert stored.status == "completed" and len(tasks) == 1  # awaits the agent's callback
