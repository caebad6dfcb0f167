"""A supervisor monitoring a live call on the real Asterisk (issue 15): the platform rings the
supervisor seat 3001 (a sipp phone); then listen / whisper / barge are proven by what each
party's phone really receives. Caller, agent, supervisor and expert each play their own tone;
a packet tap on lo (tests/telephony/rtp_tap.py) keeps the RTP sent to each phone's media port
and counts the packets carrying each tone."""
from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from models import AuditEvent
from tests.conftest import login
from tests.telephony.helpers import call_events, ready, wait_call
from tests.telephony.rtp_tap import RtpTap, tones
from tests.telephony_sipp import write_tone_pcap

pytestmark = pytest.mark.timeout(300)
CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ, EXPERT_HZ = 600.0, 1000.0, 1600.0, 2200.0
ALL = (CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ, EXPERT_HZ)
SETTLE = 1.0  # after a mode change, before listening: the snoop and bridges are in place
WINDOW = 2.0  # seconds of audio looked at (100 packets per phone)


@pytest.fixture(scope="module")
def party_tones(tmp_path_factory):
    folder = tmp_path_factory.mktemp("monitor-tones")
    return {hz: str(write_tone_pcap(folder / f"tone{int(hz)}.pcap", frequency=hz, seconds=90)) for hz in ALL}


async def heard(tap: RtpTap, phones: dict) -> dict:
    """What each phone receives over the next WINDOW seconds: {name: ToneCount}."""
    await asyncio.sleep(SETTLE)
    since = time.monotonic()
    await asyncio.sleep(WINDOW)
    until = time.monotonic()
    return {name: tones(tap.received(p.ip, p.media_port, since, until), ALL) for name, p in phones.items()}


def hears(count, hz: float) -> bool:
    return count.with_tone[hz] >= 25  # of about 100 packets in the window


async def post(client, method: str, path: str, headers, body=None, status: int = 200) -> dict:
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def test_listen_whisper_barge_reach_exactly_who_they_should(asterisk, workers, sipp, bus, client, engine,
                                                                  session, ari, party_tones):
    agent = sipp.phone("1001", asterisk.sip_password("1001"), audio=party_tones[AGENT_HZ], name="agent")
    supervisor_phone = sipp.phone("3001", asterisk.sip_password("3001"), audio=party_tones[SUPERVISOR_HZ],
                                  name="supervisor")
    agent_headers = await ready(client, "agent1001")
    caller = sipp.caller(number="13800138051", audio=party_tones[CALLER_HZ], hang_up=False, name="caller")
    call_id = bus.wait_for("call.answered", timeout=30, caller_number="13800138051")["data"]["call_id"]
    boss = await login(client, "supervisor")
    path = f"/api/v1/calls/{call_id}/monitor"
    tap = RtpTap({(p.ip, p.media_port): name for name, p in
                  (("caller", caller), ("agent", agent), ("supervisor", supervisor_phone))}).start()
    try:
        phones = {"caller": caller, "agent": agent, "supervisor": supervisor_phone}
        # an agent may not monitor; a supervisor of another region does not see the call
        await post(client, "POST", path, agent_headers, {"mode": "listen", "extension": "3001"}, status=403)
        await post(client, "POST", path, await login(client, "chengdu"), {"mode": "listen", "extension": "3001"},
                   status=404)
        await post(client, "POST", path, boss, {"mode": "listen", "extension": "1001"}, status=422)

        asked = time.monotonic()
        started = await post(client, "POST", path, boss, {"mode": "listen", "extension": "3001"})
        assert started["data"]["state"] == "ringing" and started["data"]["mode"] == "listen"
        event = bus.wait_for("call.monitor_started", timeout=20, call_id=call_id)
        print(f"\nPOST /monitor → seat rung, answered (sipp rings 300 ms), snooping: "
              f"{(time.monotonic() - asked) * 1000:.0f} ms")
        assert event["data"]["detail"]["mode"] == "listen" and event["data"]["detail"]["supervisor"] == "supervisor"
        assert event["audience"]["user_ids"] == []  # supervisors only: the agent is not told
        await post(client, "POST", path, boss, {"mode": "barge", "extension": "3001"}, status=409)  # one at a time

        listen = await heard(tap, phones)
        print("listen: packets with the supervisor's tone at caller/agent "
              f"{listen['caller'].with_tone[SUPERVISOR_HZ]}/{listen['agent'].with_tone[SUPERVISOR_HZ]}; "
              f"supervisor got caller/agent tone in {listen['supervisor'].with_tone[CALLER_HZ]}/"
              f"{listen['supervisor'].with_tone[AGENT_HZ]} of {listen['supervisor'].packets} packets")
        assert hears(listen["supervisor"], CALLER_HZ) and hears(listen["supervisor"], AGENT_HZ), listen
        assert listen["caller"].with_tone[SUPERVISOR_HZ] == 0, listen  # the supervisor is heard by no one
        assert listen["agent"].with_tone[SUPERVISOR_HZ] == 0, listen
        assert hears(listen["caller"], AGENT_HZ) and hears(listen["agent"], CALLER_HZ), listen  # the call goes on
        call = await wait_call(engine, call_id, lambda c: True)
        monitor_leg = next(c["id"] for c in await ari.channels.list() if c["id"].startswith(f"{call_id}-monitor-3001"))
        sent = await ari.channels.rtpstatistics(channelId=monitor_leg)
        assert sent["rxcount"] > 50 * WINDOW  # the supervisor's phone did speak all along …

        changed = await post(client, "PATCH", path, boss, {"mode": "whisper"})
        assert changed["data"]["changed"] is True
        whisper = await heard(tap, phones)
        print(f"whisper: supervisor's tone at agent {whisper['agent'].with_tone[SUPERVISOR_HZ]}/"
              f"{whisper['agent'].packets}, at caller {whisper['caller'].with_tone[SUPERVISOR_HZ]}/"
              f"{whisper['caller'].packets}")
        assert hears(whisper["agent"], SUPERVISOR_HZ), whisper  # … whisper: the agent hears it
        assert whisper["caller"].with_tone[SUPERVISOR_HZ] == 0, whisper  # the caller does not
        assert hears(whisper["supervisor"], CALLER_HZ) and hears(whisper["supervisor"], AGENT_HZ), whisper

        await post(client, "PATCH", path, boss, {"mode": "barge"})
        barge = await heard(tap, phones)
        print(f"barge: supervisor's tone at agent {barge['agent'].with_tone[SUPERVISOR_HZ]}/{barge['agent'].packets}, "
              f"at caller {barge['caller'].with_tone[SUPERVISOR_HZ]}/{barge['caller'].packets}")
        assert hears(barge["agent"], SUPERVISOR_HZ) and hears(barge["caller"], SUPERVISOR_HZ), barge
        assert hears(barge["supervisor"], CALLER_HZ) and hears(barge["supervisor"], AGENT_HZ), barge
        bridge = await ari.bridges.get(bridgeId=f"call-{call_id}")
        assert monitor_leg in bridge["channels"] and call.channel_id in bridge["channels"]

        await post(client, "PATCH", path, boss, {"mode": "listen"})
        back = await heard(tap, phones)
        assert back["caller"].with_tone[SUPERVISOR_HZ] == 0 and back["agent"].with_tone[SUPERVISOR_HZ] == 0, back
        assert hears(back["supervisor"], CALLER_HZ), back

        await post(client, "DELETE", path, boss)
        assert supervisor_phone.wait(15) == 0  # its phone was hung up; the call goes on
        stopped = bus.wait_for("call.monitor_stopped", timeout=10, call_id=call_id)
        assert stopped["data"]["detail"]["reason"] == "stopped"
        await post(client, "DELETE", path, boss, status=409)
    finally:
        tap.stop()
    await post(client, "POST", f"/api/v1/calls/{call_id}/hangup", agent_headers)
    assert caller.wait(15) == 0 and agent.wait(15) == 0
    events = [e for e in await call_events(engine, call_id) if e.type.startswith("monitor_")]
    assert [(e.type, e.detail["mode"]) for e in events] == [
        ("monitor_started", "listen"), ("monitor_mode_changed", "whisper"), ("monitor_mode_changed", "barge"),
        ("monitor_mode_changed", "listen"), ("monitor_stopped", "listen")]
    assert all(e.detail["supervisor"] == "supervisor" and e.detail["extension"] == "3001" for e in events)
    audited = (await session.scalars(select(AuditEvent.action).where(  # the API's writes (the test's transaction)
        AuditEvent.resource_type == "call", AuditEvent.resource_id == str(call_id)))).all()
    assert {"call_monitor_started", "call_monitor_mode_changed", "call_monitor_stopped",
            "call_monitor_started_refused"} <= set(audited)


async def test_whisper_follows_a_transfer_and_the_monitor_ends_with_the_call(asterisk, workers, sipp, bus, client,
                                                                             engine, ari, party_tones):
    agent = sipp.phone("1001", asterisk.sip_password("1001"), audio=party_tones[AGENT_HZ], name="agent")
    expert = sipp.phone("2003", asterisk.sip_password("2003"), audio=party_tones[EXPERT_HZ], name="expert")
    supervisor_phone = sipp.phone("3001", asterisk.sip_password("3001"), audio=party_tones[SUPERVISOR_HZ],
                                  name="supervisor")
    agent_headers = await ready(client, "agent1001")
    caller = sipp.caller(number="13800138052", audio=party_tones[CALLER_HZ], hang_up=False, name="caller")
    call_id = bus.wait_for("call.answered", timeout=30, caller_number="13800138052")["data"]["call_id"]
    boss = await login(client, "supervisor")
    path = f"/api/v1/calls/{call_id}/monitor"
    phones = {"caller": caller, "expert": expert, "supervisor": supervisor_phone}
    tap = RtpTap({(p.ip, p.media_port): name for name, p in phones.items()}).start()
    try:
        await post(client, "POST", path, boss, {"mode": "whisper", "extension": "3001"})
        bus.wait_for("call.monitor_started", timeout=20, call_id=call_id)
        await post(client, "POST", f"/api/v1/calls/{call_id}/transfer", agent_headers,
                   {"mode": "blind", "extension": "2003"})
        assert agent.wait(15) == 0
        bus.wait_for("call.transferred", timeout=20, call_id=call_id)
        after = await heard(tap, phones)
        assert hears(after["expert"], SUPERVISOR_HZ), after  # the whisper followed the call to the expert
        assert after["caller"].with_tone[SUPERVISOR_HZ] == 0, after
        assert hears(after["supervisor"], CALLER_HZ) and hears(after["supervisor"], EXPERT_HZ), after
    finally:
        tap.stop()
    caller.kill()  # the caller hangs up (no BYE from a killed sipp: Asterisk's RTP timeout would be slow)
    await ari.channels.hangup(channelId=(await wait_call(engine, call_id, lambda c: True)).channel_id)
    assert supervisor_phone.wait(20) == 0 and expert.wait(20) == 0  # the monitor ended with the call
    stopped = bus.wait_for("call.monitor_stopped", timeout=10, call_id=call_id)
    assert stopped["data"]["detail"]["reason"] == "call_ended"
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "transferred"
    assert not [c for c in await ari.channels.list() if c["id"].startswith(f"{call_id}-")]


async def test_listening_follows_a_three_way_call(asterisk, workers, sipp, bus, client, engine, ari, party_tones):
    agent = sipp.phone("1001", asterisk.sip_password("1001"), audio=party_tones[AGENT_HZ], name="agent")
    expert = sipp.phone("2001", asterisk.sip_password("2001"), audio=party_tones[EXPERT_HZ], name="expert")
    supervisor_phone = sipp.phone("3001", asterisk.sip_password("3001"), audio=party_tones[SUPERVISOR_HZ],
                                  name="supervisor")
    agent_headers = await ready(client, "agent1001")
    caller = sipp.caller(number="13800138053", audio=party_tones[CALLER_HZ], hang_up=False, name="caller")
    call_id = bus.wait_for("call.answered", timeout=30, caller_number="13800138053")["data"]["call_id"]
    boss = await login(client, "supervisor")
    phones = {"caller": caller, "agent": agent, "expert": expert, "supervisor": supervisor_phone}
    tap = RtpTap({(p.ip, p.media_port): name for name, p in phones.items()}).start()
    try:
        await post(client, "POST", f"/api/v1/calls/{call_id}/monitor", boss, {"mode": "listen", "extension": "3001"})
        bus.wait_for("call.monitor_started", timeout=20, call_id=call_id)
        await post(client, "POST", f"/api/v1/calls/{call_id}/parties", agent_headers, {"extension": "2001"})
        bus.wait_for("call.party_added", timeout=20, call_id=call_id, target="2001")
        three = await heard(tap, phones)
        print(f"\nthree-way, listen: supervisor got caller/agent/expert tones in {three['supervisor'].with_tone[CALLER_HZ]}/"
              f"{three['supervisor'].with_tone[AGENT_HZ]}/{three['supervisor'].with_tone[EXPERT_HZ]} of "
              f"{three['supervisor'].packets}")
        for hz in (CALLER_HZ, AGENT_HZ, EXPERT_HZ):  # every party of the conference
            assert hears(three["supervisor"], hz), three
        for party in ("caller", "agent", "expert"):  # and nobody hears the supervisor
            assert three[party].with_tone[SUPERVISOR_HZ] == 0, three
    finally:
        tap.stop()
    await post(client, "POST", f"/api/v1/calls/{call_id}/hangup", agent_headers)  # the agent ends the call
    assert supervisor_phone.wait(20) == 0 and caller.wait(20) == 0 and expert.wait(20) == 0 and agent.wait(20) == 0
    assert bus.wait_for("call.monitor_stopped", timeout=10, call_id=call_id)["data"]["detail"]["reason"] == "call_ended"
