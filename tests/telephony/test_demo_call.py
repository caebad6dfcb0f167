"""`hotline demo call` on the real Asterisk: the simulated citizen (sipp from the carrier's
address) keys 1, reaches the general queue, rings a ready agent, and hangs up cleanly."""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from core.settings import REPO_ROOT
from tests.telephony.helpers import ready, wait_call
from tests.telephony_fixtures import settings_env

pytestmark = pytest.mark.timeout(180)


async def test_demo_call_keys_1_reaches_the_queue_rings_an_agent_and_ends_cleanly(
        asterisk, workers, sipp, bus, client, engine, telephony_settings, tone_pcap):
    phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap)
    await ready(client, "agent1001")
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "demo", "call", "--digits", "1", "--seconds", "20", "--number", "13800138111",
        cwd=REPO_ROOT, env=settings_env(telephony_settings), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        queued = bus.wait_for("call.queued", timeout=30)
        call_id = queued["data"]["call_id"]
        assert queued["data"]["queue"] == "general"
        answered = bus.wait_for("call.answered", timeout=20, call_id=call_id)
        assert answered["data"]["extension"] == "1001"
        output = (await asyncio.wait_for(demo.communicate(), timeout=60))[0].decode()
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
    assert demo.returncode == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("正在拨打 12345") and "13800138111" in lines[0]
    assert any("answered by the voice menu" in line for line in lines)
    assert any("keyed 1" in line for line in lines)
    assert any("the caller hung up" in line for line in lines)
    assert lines[-1].endswith("call ended")
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert (call.caller_number, call.menu_choice, call.queue, call.disposition) == \
        ("13800138111", "1", "general", "answered")
    assert phone.wait(15) == 0
