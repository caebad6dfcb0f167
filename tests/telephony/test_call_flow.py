"""End to end on the real Asterisk: a caller from the carrier trunk (sipp on 127.0.0.2)
through the voice menu into a queue, offered to a registered sipp agent phone, bridged
with media both ways, recorded, and written down as a call record (R-01, R-05, R-17)."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Call, Recording
from recordings.audio import sha256_of, wav_rms
from tests.conftest import login
from tests.telephony_sipp import SPEECH_PCAP

pytestmark = pytest.mark.timeout(180)


async def ready(client, username: str) -> dict[str, str]:
    headers = await login(client, username)
    response = await client.put("/api/v1/acd/agents/me/state", json={"state": "ready"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "ready"
    return headers


async def fetch_call(engine, call_id: int) -> Call:
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(engine) as session:
        return await session.get(Call, call_id)


async def test_no_key_goes_to_general_queue_and_is_answered_recorded_and_logged(
        asterisk, workers, sipp, bus, client, engine, ari, tone_pcap, telephony_settings):
    phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap)
    headers = await ready(client, "agent1001")
    caller = sipp.caller(audio=SPEECH_PCAP, audio_delay_ms=5000, talk_ms=8000)

    queued = bus.wait_for("call.queued", timeout=30)
    call_id = queued["data"]["call_id"]
    assert queued["data"]["queue"] == "general"
    answered = bus.wait_for("call.answered", timeout=telephony_settings.calls.ring_timeout_seconds + 10, call_id=call_id)
    assert answered["data"]["extension"] == "1001"
    assert answered["data"]["caller_number"] == "13800138000"
    offered = bus.find("call.offered", call_id=call_id)[0]
    assert offered["data"]["waited_seconds"] < 15  # the agent rings within 15 s of queue entry

    # media both ways through Asterisk while bridged: RTP in from the caller and from the agent
    channels = {c["id"]: c for c in await ari.channels.list()}
    agent_leg = next(cid for cid in channels if cid.startswith(f"{call_id}-agent-"))
    caller_leg = (await fetch_call(engine, call_id)).channel_id

    def both_ways() -> bool:
        return all(stats["rxcount"] > 20 and stats["txcount"] > 20 for stats in stats_now)

    for _ in range(50):
        stats_now = [await ari.channels.rtpstatistics(channelId=caller_leg),
                     await ari.channels.rtpstatistics(channelId=agent_leg)]
        if both_ways():
            break
        await asyncio.sleep(0.1)  # RTP counters: sampled, bounded by the loop
    assert both_ways(), stats_now

    assert caller.wait(40) == 0, caller.log_tail()
    assert phone.wait(20) == 0, phone.log_tail()
    ended = bus.wait_for("call.ended", timeout=20, call_id=call_id)
    assert ended["data"]["disposition"] == "answered"

    call = await fetch_call(engine, call_id)
    assert call.disposition == "answered" and call.queue == "general" and call.menu_choice == "timeout"
    assert call.answered_at and call.ended_at and call.entered_queue_at and call.recording_id
    # a number not in HOTLINE_CALL_REGIONS: the call takes the answering agent's centre's region;
    # its recording is announced to its agent and the region's supervisors only
    assert call.region_code == "510000"
    ready_event = bus.wait_for("recording.ready", timeout=20, call_id=call_id)
    assert ready_event["audience"] == {"all": False, "user_ids": [call.agent_id], "roles": ["supervisor", "admin"],
                                       "unit_ids": [], "regional": True, "region_code": "510000"}
    assert answered["audience"]["regional"] and answered["audience"]["region_code"] == "510000"

    listing = await client.get("/api/v1/calls?limit=5", headers=await login(client, "supervisor"))
    assert listing.status_code == 200
    item = next(i for i in listing.json() if i["id"] == call_id)
    assert item["agent"] == "agent1001" and item["extension"] == "1001" and item["disposition"] == "answered"
    for key in ("caller_number", "queue", "entered_queue_at", "answered_at", "ended_at", "recording_id"):
        assert item[key] is not None, key

    from sqlalchemy.ext.asyncio import AsyncSession
    async with AsyncSession(engine) as session:
        recording = await session.scalar(select(Recording).where(Recording.id == call.recording_id))
    path = Path(telephony_settings.recordings.recordings_dir) / recording.path
    assert path.is_file() and recording.size_bytes == path.stat().st_size
    assert recording.sha256 == sha256_of(path)
    assert recording.duration_seconds > 6
    assert wav_rms(path) > 300, "the recording is silent"
    assert recording.retain_until - call.answered_at >= timedelta(days=730)

    agent = (await client.get("/api/v1/acd/agents/me", headers=headers)).json()
    assert agent["state"] in ("wrap_up", "ready")
