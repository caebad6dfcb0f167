"""The monitor's decisions (pure) and its steps on a call, with a recording fake of the ARI
side (the real Asterisk proof is tests/telephony/test_monitor.py)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from calls.commands import Command
from ivr.call_types import Leg
from ivr.monitor import SnoopPlan, snoop_plan
from ivr.session import CallSession
from tests.ivr.call_ports import fake_ports


def test_listen_snoops_the_caller_without_whispering():
    assert snoop_plan("listen", caller="c", agent="a") == SnoopPlan("c", "both", "none")


def test_whisper_snoops_the_agent_and_whispers_to_it_alone():
    assert snoop_plan("whisper", caller="c", agent="a") == SnoopPlan("a", "both", "out")
    assert snoop_plan("whisper", caller="c", agent=None) == SnoopPlan("c", "both", "none")  # no agent: listen


def test_barge_needs_no_snoop():
    assert snoop_plan("barge", caller="c", agent="a") is None


class FakeTelephony:
    """Records what the monitor asks of Asterisk (a fake: the ARI side)."""

    def __init__(self) -> None:
        self.steps: list[tuple] = []

    async def bridge(self, bridge_id, name):
        self.steps.append(("bridge", bridge_id))

    async def originate(self, **kw):
        self.steps.append(("originate", kw["endpoint"], kw["app_args"]))

    async def add(self, bridge_id, *channels):
        self.steps.append(("add", bridge_id, *channels))

    async def snoop(self, channel_id, snoop_id, *, spy, whisper, app, app_args):
        self.steps.append(("snoop", channel_id, spy, whisper))

    async def hangup(self, channel_id, reason="normal"):
        self.steps.append(("hangup", channel_id))

    async def destroy(self, bridge_id):
        self.steps.append(("destroy", bridge_id))


class FakeNotifier:
    def __init__(self) -> None:
        self.sent = []

    async def call_action(self, event, *, agent_id, region_code):
        self.sent.append((event.action, event.detail, agent_id))


async def seats_endpoint(extension):
    return f"PJSIP/{extension}"


def make_call():
    telephony, notifier = FakeTelephony(), FakeNotifier()
    seats = SimpleNamespace(endpoint_for=seats_endpoint)
    ports = fake_ports(telephony=telephony, seats=seats, publisher=SimpleNamespace(calls=notifier))
    call = CallSession(ports, "hotline-w1", call_id=7, caller="caller-7", caller_number="13800138000")
    call.record = lambda **fields: None  # the call's row: not under test here
    call.bridge_id = "call-7"
    call.agent = Leg("7-agent-1001-aa", "agent", "1001", 5, answered=True)
    return call, telephony, notifier


async def command(call, action, role="supervisor", **args) -> dict:
    reply = asyncio.get_running_loop().create_future()
    await call.control.on_command(Command(action, args, 9, role, reply))
    return reply.result()


async def test_a_monitor_rings_the_seat_then_moves_between_modes_and_ends_with_the_call():
    call, telephony, notifier = make_call()
    assert (await command(call, "monitor", role="agent", mode="listen", extension="3001"))["status"] == 403
    started = await command(call, "monitor", mode="listen", extension="3001", supervisor="supervisor")
    assert started["ok"] and started["data"]["state"] == "ringing"
    leg = started["data"]["channel"]
    assert leg.startswith("7-monitor-3001-") and call.ports.registry.by_channel(leg) is call
    assert ("originate", "PJSIP/3001", "monitor,7") in telephony.steps
    assert (await command(call, "monitor", mode="barge", extension="3001"))["status"] == 409

    await call.monitor.on_event({"type": "StasisStart", "channel": {"id": leg}})  # answered
    assert telephony.steps[-2:] == [("add", "monitor-7", leg), ("snoop", "caller-7", "both", "none")]
    snoop = call.monitor.state.snoop_id
    await call.monitor.on_event({"type": "StasisStart", "channel": {"id": snoop}})
    assert telephony.steps[-1] == ("add", "monitor-7", snoop)
    assert notifier.sent[-1][0] == "monitor_started" and notifier.sent[-1][2] is None  # the agent is not told

    assert (await command(call, "monitor_mode", mode="whisper"))["data"]["changed"] is True
    assert ("hangup", snoop) in telephony.steps
    assert telephony.steps[-1] == ("snoop", "7-agent-1001-aa", "both", "out")
    # a transfer target takes over: the whisper follows it
    call.agent = Leg("7-xfer-2003-bb", "xfer", "2003", 6, answered=True)
    await call.monitor.follow()
    assert telephony.steps[-1] == ("snoop", "7-xfer-2003-bb", "both", "out")

    await command(call, "monitor_mode", mode="barge")
    assert telephony.steps[-1] == ("add", "call-7", leg)
    assert notifier.sent[-1][1]["previous"] == "whisper"

    await call.monitor.end("call_ended")
    assert ("hangup", leg) in telephony.steps and telephony.steps[-1] == ("destroy", "monitor-7")
    assert notifier.sent[-1][0] == "monitor_stopped" and notifier.sent[-1][1]["reason"] == "call_ended"
    assert call.ports.registry.by_channel(leg) is None
    assert (await command(call, "monitor_stop"))["status"] == 409


async def test_the_supervisor_hanging_up_ends_the_monitor():
    call, telephony, notifier = make_call()
    leg = (await command(call, "monitor", mode="whisper", extension="3002"))["data"]["channel"]
    await call.monitor.on_event({"type": "ChannelDestroyed", "channel": {"id": leg}})  # never answered
    assert call.monitor.state is None and notifier.sent[-1][1]["reason"] == "not_answered"
    assert ("hangup", leg) not in telephony.steps  # gone already
    assert (await command(call, "monitor_mode", mode="listen"))["status"] == 409
