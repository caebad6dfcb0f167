"""Voice-menu paths on the real Asterisk: key 2 -> enterprise queue (R-01), blocked and
warned callers (R-26), abandoning while queued (R-05), ticket progress entry."""
from __future__ import annotations

import pytest

from tests.telephony.helpers import blocked, call_events, ready, wait_call
from tests.telephony_sipp import CARRIER_IP, rejected_scenario

pytestmark = pytest.mark.timeout(180)


async def test_key_2_goes_to_the_enterprise_queue_and_its_skilled_agent(
        asterisk, workers, sipp, bus, client, engine, tone_pcap):
    general_only = sipp.phone("1001", asterisk.sip_password("1001"))  # must not ring
    enterprise = sipp.phone("1004", asterisk.sip_password("1004"), audio=tone_pcap)
    await ready(client, "agent1001")
    await ready(client, "agent1004")
    caller = sipp.caller(digits="2", audio=None, talk_ms=4000, number="13800138002")

    queued = bus.wait_for("call.queued", timeout=30)
    call_id = queued["data"]["call_id"]
    assert queued["data"]["queue"] == "enterprise"
    answered = bus.wait_for("call.answered", timeout=20, call_id=call_id)
    assert answered["data"]["extension"] == "1004"
    assert caller.wait(30) == 0, caller.log_tail()
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert (call.menu_choice, call.queue, call.disposition) == ("2", "enterprise", "answered")
    assert general_only.running  # never offered the call
    assert enterprise.wait(15) == 0


async def test_suspended_caller_hears_the_notice_and_is_released(asterisk, workers, sipp, bus, engine):
    number = "13900139000"
    async with blocked(engine, number, "suspended"):
        caller = sipp.start(rejected_scenario(number=number), ip=CARRIER_IP, service="12345", name="blocked")
        assert caller.wait(30) == 0, caller.log_tail()
        event = bus.wait_for("call.blocked", timeout=10)
    call = await wait_call(engine, event["data"]["call_id"], lambda c: c.ended_at is not None)
    assert (call.caller_number, call.disposition, call.phase) == (number, "blocked", "ended")
    assert not bus.find("call.started")  # never reached the voice menu


async def test_warned_caller_hears_a_warning_then_abandons_in_the_queue(asterisk, workers, sipp, bus, engine):
    number = "13900139001"
    async with blocked(engine, number, "warned"):
        caller = sipp.caller(number=number, audio=None, talk_ms=13000)
        queued = bus.wait_for("call.queued", timeout=30)
        call_id = queued["data"]["call_id"]
        assert caller.wait(30) == 0, caller.log_tail()
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert call.disposition == "abandoned" and call.answered_at is None and call.entered_queue_at
    events = await call_events(engine, call_id)
    types = [e.type for e in events]
    assert types[:2] == ["started", "caller_warned"] and "queued" in types and types[-1] == "ended"
    # queued callers hear their position now and then (HOTLINE_QUEUE_ANNOUNCE_SECONDS, 5 s here)
    assert [e.detail for e in events if e.type == "position_announced"][:1] == [{"position": 1}]
    ended = bus.wait_for("call.ended", call_id=call_id)
    assert ended["data"]["disposition"] == "abandoned"
    # the queue is empty again (queue.stats follow changes, coalesced over half a second)
    assert bus.wait_for("queue.stats", timeout=5, queue="general", waiting=0)


async def test_ticket_progress_entry_then_operator(asterisk, workers, sipp, bus, engine):
    # 3; an unknown number + '#' ("not found", asked again); nothing (back to the menu); 0.
    steps = [(1500, "3"), (2500, "12345678#"), (8000, "0")]
    caller = sipp.caller(digits=steps, audio=None, talk_ms=2500, number="13800138003")
    queued = bus.wait_for("call.queued", timeout=40)
    call_id = queued["data"]["call_id"]
    assert caller.wait(30) == 0, caller.log_tail()
    call = await wait_call(engine, call_id, lambda c: c.ended_at is not None)
    assert (call.menu_choice, call.ticket_number, call.disposition) == ("0", "12345678", "abandoned")
    query = next(e for e in await call_events(engine, call_id) if e.type == "ticket_query")
    assert query.detail == {"number": "12345678", "found": False}


async def test_without_the_fastagi_step_the_call_still_reaches_a_worker(asterisk, workers, sipp, bus, engine,
                                                                        telephony_settings):
    """The AGI step fails (no FastAGI server where the dialplan looks): no block check, no
    routing hint — the call goes on into the dialplan's default application, which one
    worker of the node always serves (R-26 design rule: never silence, never refused)."""
    from pbx import process

    broken = telephony_settings.replace(fastagi_port=9)  # nothing listens there
    process.start(broken)  # re-render + reload
    try:
        caller = sipp.caller(number="13800138020", audio=None, talk_ms=6000)
        queued = bus.wait_for("call.queued", timeout=30)
        assert caller.wait(30) == 0, caller.log_tail()
    finally:
        process.start(telephony_settings)
    call = await wait_call(engine, queued["data"]["call_id"], lambda c: c.ended_at is not None)
    assert call.app == telephony_settings.telephony.ari_app and call.disposition == "abandoned"
