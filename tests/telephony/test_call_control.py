"""Call control on the real Asterisk: ring-timeout re-route (R-05), blind and attended
transfer to an expert seat, three-way call (R-06), emergency hand-off with the agent
leaving (R-04). The agent's actions go through the REST API and the Redis command channel."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.telephony.helpers import call_events, ready, wait_call
from tests.telephony_sipp import answerer_scenario

pytestmark = pytest.mark.timeout(240)


async def answered_call(sipp, bus, client, asterisk, *, tone_pcap, number: str) -> tuple[int, dict]:
    """A caller (waiting for our BYE) answered by agent1001; returns (call id, agent headers)."""
    phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap, name="agent-phone")
    headers = await ready(client, "agent1001")
    caller = sipp.caller(number=number, hang_up=False, name="caller")
    answered = bus.wait_for("call.answered", timeout=30, caller_number=number)
    return answered["data"]["call_id"], {"headers": headers, "phone": phone, "caller": caller}


async def post(client, path: str, headers, body=None, status: int = 200) -> dict:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def test_ring_timeout_moves_the_call_to_the_next_agent(asterisk, workers, sipp, bus, client, engine,
                                                             telephony_settings):
    silent = sipp.phone("1001", asterisk.sip_password("1001"), answer=False, name="silent")
    await ready(client, "agent1001")  # idle longest: offered first
    answering = sipp.phone("1002", asterisk.sip_password("1002"), name="answering")
    await ready(client, "agent1002")
    caller = sipp.caller(number="13800138010", audio=None, hang_up=False)
    call_id = bus.wait_for("call.offered", timeout=30, extension="1001")["data"]["call_id"]
    answered = bus.wait_for("call.answered", timeout=telephony_settings.calls.ring_timeout_seconds + 15,
                            call_id=call_id)
    assert answered["data"]["extension"] == "1002"
    first = bus.find("agent.state", extension="1001", state="not_ready")
    assert first and first[0]["data"]["reason"].startswith("未接听")
    await post(client, f"/api/v1/calls/{call_id}/hangup", await login(client, "agent1002"))
    assert caller.wait(30) == 0 and silent.wait(10) == 0 and answering.wait(10) == 0
    events = await call_events(engine, call_id)
    timeouts = [e for e in events if e.type == "ring_timeout"]
    assert len(timeouts) == 1 and timeouts[0].detail["extension"] == "1001"
    agents = {a["username"]: a for a in (await client.get("/api/v1/acd/agents",
                                                          headers=await login(client, "supervisor"))).json()}
    assert agents["agent1001"]["state"] == "not_ready"


async def test_blind_transfer_to_an_expert_seat(asterisk, workers, sipp, bus, client, engine, tone_pcap):
    call_id, ctx = await answered_call(sipp, bus, client, asterisk, tone_pcap=tone_pcap, number="13800138011")
    expert = sipp.phone("2003", asterisk.sip_password("2003"), name="expert")
    result = await post(client, f"/api/v1/calls/{call_id}/transfer", ctx["headers"],
                        {"mode": "blind", "extension": "2003"})
    assert result["ok"] and result["data"]["mode"] == "blind"
    assert ctx["phone"].wait(15) == 0  # the agent's leg was released
    bus.wait_for("call.transferred", timeout=20, call_id=call_id)
    expert_headers = await login(client, "expert2003")
    await post(client, f"/api/v1/calls/{call_id}/hangup", expert_headers)  # the expert now controls it
    assert ctx["caller"].wait(15) == 0 and expert.wait(15) == 0
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "transferred" and call.extension == "1001"
    types = [e.type for e in await call_events(engine, call_id)]
    assert "transfer_started" in types and "transferred" in types


async def test_attended_transfer_consults_then_hands_over(asterisk, workers, sipp, bus, client, engine, ari,
                                                          tone_pcap):
    call_id, ctx = await answered_call(sipp, bus, client, asterisk, tone_pcap=tone_pcap, number="13800138012")
    expert = sipp.phone("2003", asterisk.sip_password("2003"), name="expert")
    await post(client, f"/api/v1/calls/{call_id}/transfer", ctx["headers"], {"mode": "attended", "extension": "2003"})
    bus.wait_for("call.transfer_started", timeout=20, call_id=call_id, target="2003",
                 detail={"mode": "attended", "phase": "consulting"})
    consult = await ari.bridges.get(bridgeId=f"consult-{call_id}")
    assert len(consult["channels"]) == 2  # agent and expert talk; the caller hears music
    await post(client, f"/api/v1/calls/{call_id}/transfer/complete", ctx["headers"])
    assert ctx["phone"].wait(15) == 0
    main = await ari.bridges.get(bridgeId=f"call-{call_id}")
    call = await wait_call(engine, call_id, lambda c: True)
    assert call.channel_id in main["channels"] and any(c.startswith(f"{call_id}-") for c in main["channels"])
    await post(client, f"/api/v1/calls/{call_id}/hangup", await login(client, "expert2003"))
    assert ctx["caller"].wait(15) == 0 and expert.wait(15) == 0
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "transferred"


async def test_three_way_call_with_an_expert(asterisk, workers, sipp, bus, client, engine, ari, tone_pcap):
    call_id, ctx = await answered_call(sipp, bus, client, asterisk, tone_pcap=tone_pcap, number="13800138013")
    expert = sipp.phone("2001", asterisk.sip_password("2001"), name="expert")
    await post(client, f"/api/v1/calls/{call_id}/parties", ctx["headers"], {"extension": "2001"})
    bus.wait_for("call.party_added", timeout=20, call_id=call_id, target="2001")
    bridge = await ari.bridges.get(bridgeId=f"call-{call_id}")
    legs = [c for c in bridge["channels"] if c.startswith(f"{call_id}-")]
    assert len(legs) == 2  # the agent and the expert, with the caller
    await post(client, f"/api/v1/calls/{call_id}/hold", ctx["headers"])
    await post(client, f"/api/v1/calls/{call_id}/hold", ctx["headers"], status=409)
    await post(client, f"/api/v1/calls/{call_id}/unhold", ctx["headers"])
    other = await login(client, "agent1002")
    await post(client, f"/api/v1/calls/{call_id}/hangup", other, status=404)  # not their call: not shown to exist
    await post(client, f"/api/v1/calls/{call_id}/hangup", ctx["headers"])
    assert ctx["caller"].wait(15) == 0 and expert.wait(15) == 0 and ctx["phone"].wait(15) == 0
    types = [e.type for e in await call_events(engine, call_id)]
    assert {"party_dialled", "party_added", "held", "unheld"} <= set(types)


async def test_emergency_hand_off_then_agent_leaves(asterisk, workers, sipp, bus, client, engine, ari, tone_pcap,
                                                   telephony_settings):
    host, _, port = telephony_settings.telephony.emergency_address.rpartition(":")  # HOTLINE_EMERGENCY_ADDRESS
    port = int(port)
    centre = sipp.start(answerer_scenario(), ip=host, port=port, target=False, name="centre110")
    call_id, ctx = await answered_call(sipp, bus, client, asterisk, tone_pcap=tone_pcap, number="13800138014")
    result = await post(client, f"/api/v1/calls/{call_id}/emergency", ctx["headers"], {"service": "110"})
    assert result["data"]["service"] == "110"
    bus.wait_for("call.emergency", timeout=20, call_id=call_id, detail={"phase": "connected"})
    assert f"INVITE sip:110@{host}:{port} SIP/2.0" in centre.messages()
    await post(client, f"/api/v1/calls/{call_id}/leave", ctx["headers"])
    assert ctx["phone"].wait(15) == 0  # the agent left …
    bus.wait_for("call.agent_left", timeout=10, call_id=call_id)
    bridge = await ari.bridges.get(bridgeId=f"call-{call_id}")  # … caller and 110 stay together
    call = await wait_call(engine, call_id, lambda c: c.emergency_service == "110")
    assert call.channel_id in bridge["channels"]
    assert any(c.startswith(f"{call_id}-emer-110-") for c in bridge["channels"])
    agent = (await client.get("/api/v1/acd/agents/me", headers=ctx["headers"])).json()
    assert agent["state"] in ("wrap_up", "ready")  # free for the next caller
    await post(client, f"/api/v1/calls/{call_id}/hangup", await login(client, "supervisor"))
    assert ctx["caller"].wait(15) == 0 and centre.wait(15) == 0
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "emergency"
    types = [e.type for e in await call_events(engine, call_id)]
    assert types.count("emergency") == 2 and "agent_left" in types


async def test_blind_transfer_to_an_expert_queue(asterisk, workers, sipp, bus, client, engine, ari, tone_pcap):
    """The agent hands the caller to the housing experts' queue: the caller waits there ahead
    of others (urgent) and the expert seat with that skill takes the call (R-06)."""
    call_id, ctx = await answered_call(sipp, bus, client, asterisk, tone_pcap=tone_pcap, number="13800138015")
    expert_phone = sipp.phone("2003", asterisk.sip_password("2003"), name="expert")
    expert = await ready(client, "expert2003")  # skill expert:housing (seeded from the unit's domain)
    result = await post(client, f"/api/v1/calls/{call_id}/transfer", ctx["headers"],
                        {"mode": "blind", "queue": "expert:housing"})
    assert result["data"] == {"queue": "expert:housing"}
    assert ctx["phone"].wait(15) == 0  # the agent is released at once
    requeued = bus.wait_for("call.queued", timeout=20, call_id=call_id, queue="expert:housing")
    assert requeued["data"]["urgent"] is True
    bus.wait_for("call.answered", timeout=20, call_id=call_id, extension="2003")
    await post(client, f"/api/v1/calls/{call_id}/hangup", expert)
    assert ctx["caller"].wait(15) == 0 and expert_phone.wait(15) == 0
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.queue == "expert:housing" and call.extension == "1001"  # the first agent stays on record
    assert "requeued" in [e.type for e in await call_events(engine, call_id)]
