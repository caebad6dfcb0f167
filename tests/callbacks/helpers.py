"""Shared helpers of the callback tests: a client whose requests commit (the ARI workers read
committed rows), a completed ticket, and sipp citizens on the carrier side."""
from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.resources import Resources
from models import CallbackSurvey
from pbx.sipp import HEAD, answer_bye, write_dtmf_pcap
from tests.conftest import login
from tests.telephony_sipp import _answer_ok
from tests.workorders.helpers import act, create, unit_id


@contextlib.asynccontextmanager
async def committing_client(settings, engine, side_engine, redis) -> AsyncIterator[httpx.AsyncClient]:
    resources = Resources(settings=settings, engine=engine, sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                          redis=redis, secret_key=settings.security.secret_key.get_secret_value(),
                          side_engine=side_engine)
    transport = httpx.ASGITransport(app=create_app(resources=resources), client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def citizen_phone() -> str:
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


async def completed_ticket(client, engine, phone: str) -> dict:
    """A ticket dispatched, signed and completed by the unit: awaiting its callback (R-16)."""
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    ticket = await create(client, agent, caller={"name": "李四", "phone": phone, "confidential": False})
    async with AsyncSession(engine) as session:
        zjj = await unit_id(session, "WH-ZJJ")
    ticket = await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": zjj})
    ticket = await act(client, unit, ticket["id"], "sign")
    ticket = await act(client, unit, ticket["id"], "complete", {"reply": "电梯已修复并完成验收"})
    assert ticket["status"] == "completed"
    return ticket


async def wait_survey(engine, ticket_id: int, predicate, timeout: float = 60.0) -> CallbackSurvey:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with AsyncSession(engine) as session:
            survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.ticket_id == ticket_id))
        if survey is not None and predicate(survey):
            return survey
        if loop.time() > deadline:
            raise AssertionError(f"survey of ticket {ticket_id} never matched; last: {survey and survey.__dict__}")
        await asyncio.sleep(0.2)  # polling the database, bounded by the deadline


def keying_citizen(keys: list[tuple[int, str]], pcap_dir: Path) -> str:
    """A citizen's phone on the carrier side: answers, keys each digit after its pause (RFC 4733),
    then waits for the platform's BYE."""
    xml = [HEAD.format(name="surveyed citizen"), """
  <recv request="INVITE"/>
  <send><![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port]>
      Content-Length: 0
  ]]></send>
  <pause milliseconds="300"/>
""", _answer_ok()]
    for index, (pause_ms, digit) in enumerate(keys):
        pcap = write_dtmf_pcap(pcap_dir / f"survey-key-{index}-{digit}.pcap", digit, index=index)
        xml.append(f'  <pause milliseconds="{pause_ms}"/>\n'
                   f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n')
    xml.append(answer_bye() + "</scenario>\n")
    return "".join(xml)


def busy_citizen() -> str:
    """A citizen whose line is busy: 486 to every INVITE."""
    return HEAD.format(name="busy citizen") + """
  <recv request="INVITE"/>
  <send><![CDATA[
      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <recv request="ACK"/>
</scenario>
"""
