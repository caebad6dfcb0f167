"""The SMS survey's round trip through Kannel (R-16): bearerbox + smsbox against kannel-extras'
fake SMSC, started and stopped here. The survey SMS carries the ticket's number; the citizen's
reply "1" comes back through smsbox's sms-service to the API and closes the ticket (method sms)."""
from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks import tasks
from core.resources import Resources
from models import CallbackSurvey, Ticket
from tests.callbacks import kannel
from tests.callbacks.helpers import citizen_phone, committing_client, completed_ticket, wait_survey
from tests.live_server import live_server

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(kannel.missing() is not None, reason=kannel.missing() or "")]
TOKEN = "sms-inbound-test-token"


async def test_sms_survey_round_trip_through_kannel(settings, engine, side_engine, seeded, redis, tmp_path, forget):
    maker = async_sessionmaker(engine, expire_on_commit=False)
    api_settings = settings.replace(sms_inbound_token=SecretStr(TOKEN))
    resources = Resources(settings=api_settings, engine=engine, sessionmaker=maker, redis=redis,
                          secret_key=settings.security.secret_key.get_secret_value(), side_engine=side_engine)
    async with live_server(resources) as address:
        box = kannel.Kannel(tmp_path / "kannel",
                            f"http://{address}/api/v1/callbacks/sms/inbound?token={TOKEN}&from=%p")
        box.start()
        try:
            sms_settings = settings.replace(
                sms_gateway="kannel", sms_kannel_url=box.sendsms_url, sms_kannel_user=box.user,
                sms_kannel_password=SecretStr(box.password), survey_sms_regions="5101",
                survey_call_window="00:00-24:00", survey_delay_minutes=0)
            phone = citizen_phone()
            async with committing_client(sms_settings, engine, side_engine, redis) as client:
                ticket = await completed_ticket(client, engine, phone)
                forget.tickets.append(ticket["id"])
            citizen = box.phone("citizen")
            report = await tasks.run_pass(maker, redis, sms_settings)
            assert report.sms_sent >= 1
            survey = await wait_survey(engine, ticket["id"], lambda s: s.status == "sms_sent", timeout=5)
            assert survey.channel == "sms"
            async with asyncio.timeout(20):
                while not any(to == phone for _, to, _ in box.received("citizen")):
                    await asyncio.sleep(0.2)  # fakesmsc prints the SMS when the SMSC delivers it
            sender, _, text = next(m for m in box.received("citizen") if m[1] == phone)
            assert sender == "12345" and ticket["number"] in text
            box.stop_process(citizen)  # the fake SMSC takes one client: the citizen's phone again, replying
            box.phone("reply", f"{phone} 12345 text 1")
            survey = await wait_survey(engine, ticket["id"], lambda s: s.status == "done", timeout=30)
        finally:
            box.stop()
    assert survey.method == "sms" and survey.answers["overall"] == "1" and survey.outcome == "satisfied"
    async with AsyncSession(engine) as session:
        stored = await session.get(Ticket, ticket["id"])
        surveys = (await session.scalars(select(CallbackSurvey).where(CallbackSurvey.ticket_id == stored.id))).all()
    assert stored.status == "closed" and len(surveys) == 1
