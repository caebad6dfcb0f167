"""The call actor as the shell of its life cycle, with fake ports (no Asterisk, Redis or
database): it runs a transition's commands in order, keeps its phase on an impossible
event, and registers what it owns so the worker can route to it and forget it whole."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from ivr import lifecycle
from ivr.ari import AriError
from ivr.call_types import Leg
from ivr.lifecycle import Phase
from ivr.registry import CallRegistry
from ivr.session import CallSession
from tests.ivr.call_ports import fake_ports


class ScriptedTelephony:
    """Notes every request; a playback fails (Asterisk refused it) when told to."""

    def __init__(self, *, play_fails: bool = False) -> None:
        self.done: list[tuple] = []
        self.play_fails = play_fails

    def __getattr__(self, name: str):
        async def request(*args, **kwargs):
            self.done.append((name, *args))
            if name == "play" and self.play_fails:
                raise AriError(409, "Channel not in Stasis application")
        return request


class QueueRecorder:
    def __init__(self) -> None:
        self.entered: list = []

    async def enqueue(self, entry) -> None:
        self.entered.append(entry)

    async def wake(self, reason: str) -> None:
        self.entered.append(("wake", reason))


def call_in(phase: Phase, **parts) -> CallSession:
    call = CallSession(fake_ports(**parts), "hotline-shell", call_id=7, caller="caller-7",
                       caller_number="13900000007", phase=phase)
    call.recorded = []
    call.record = lambda **fields: call.recorded.append(fields)
    return call


async def test_hold_runs_its_commands_in_order_and_stays_bridged():
    telephony = ScriptedTelephony()
    call = call_in(Phase.BRIDGED, telephony=telephony)
    await call.transition(lifecycle.Held(True))
    assert call.phase == Phase.BRIDGED
    assert telephony.done == [("mute_in", "caller-7", True), ("moh", "caller-7", True)]


async def test_an_impossible_event_changes_nothing():
    telephony = ScriptedTelephony()
    call = call_in(Phase.QUEUED, telephony=telephony)
    with pytest.raises(lifecycle.ImpossibleTransition):
        await call.transition(lifecycle.Held(True))
    assert call.phase == Phase.QUEUED and telephony.done == []


def test_only_a_transition_changes_the_phase():
    call = call_in(Phase.IVR)
    with pytest.raises(AttributeError):
        call.phase = Phase.BRIDGED


async def test_a_requeue_goes_back_into_the_acd_even_when_its_notice_cannot_play():
    """Asterisk refusing the notice (the caller is leaving) must not keep the call out of the ACD."""
    telephony, acd = ScriptedTelephony(play_fails=True), QueueRecorder()
    prompts = SimpleNamespace(media=lambda key: f"sound:{key}")
    call = call_in(Phase.BRIDGED, telephony=telephony, acd=acd, prompts=prompts,
                   publisher=SimpleNamespace(queue_position=_no_position, calls=SimpleNamespace(call_queued=_ignore),
                                             queue_stats_changed=lambda: None))
    call.queue, call.urgent, call.entered_at = "general", True, 1000.0
    await call.transition(lifecycle.Requeued("general", "transfer_failed"))
    assert call.phase == Phase.QUEUED
    assert call.recorded[0] == {"event": "requeued", "detail": {"queue": "general", "reason": "transfer_failed"}}
    played = [step for step in telephony.done if step[0] == "play"]
    assert played and played[0][2] == ["sound:transfer_failed"]
    assert acd.entered[0].call_id == 7 and acd.entered[0].urgent and acd.entered[0].entered_at == 1000.0
    assert acd.entered[1] == ("wake", "queued")
    assert call.recorded[1]["phase"] == "queued" and "entered_queue_at" not in call.recorded[1]
    await asyncio.sleep(0)  # the queued announcement runs in the background


def test_the_registry_routes_to_a_call_and_forgets_it_whole():
    registry = CallRegistry()
    call = call_in(Phase.BRIDGED, registry=registry)
    registry.add_call(call)
    leg = Leg("7-agent-1001-abcdef", "agent", "1001", 42)
    call.legs.add(leg)
    registry.add_bridge("call-7", call)
    registry.add_playback("pb-7-1", call)
    assert registry.by_channel("caller-7") is call and registry.by_channel(leg.channel_id) is call
    assert registry.by_playback("pb-7-1") is call and registry.call(7) is call
    call.legs.drop(leg)
    assert registry.by_channel(leg.channel_id) is None and list(call.legs) == []
    registry.remove_call(call)
    assert registry.live() == set() and registry.by_playback("pb-7-1") is None and not registry.calls


async def _no_position(call_id: int) -> None:
    return None


async def _ignore(*args, **kwargs) -> None:
    return None
