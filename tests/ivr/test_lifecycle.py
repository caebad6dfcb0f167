"""The call's life cycle without Asterisk, Redis or a database: every transition the table
allows, what each one makes the call do, and the refusal of every other one."""
from __future__ import annotations

import itertools

import pytest

from ivr import lifecycle
from ivr.lifecycle import (
    AgentAnswered,
    AgentChanged,
    AnnounceQueued,
    AnswerCaller,
    Answered,
    Ended,
    Enqueue,
    Held,
    ImpossibleTransition,
    MenuChosen,
    Music,
    MuteCaller,
    NotifyStarted,
    Offered,
    OfferLost,
    OfferWithdrawn,
    Phase,
    PlayNotice,
    Readmitted,
    Record,
    Requeued,
    WakeDispatchers,
    step,
)

EVENTS = [Answered(), MenuChosen("enterprise", "2"), Offered(), OfferLost(7, "1001", "no_answer"), OfferWithdrawn(),
          AgentAnswered(), Held(True), Requeued("general", "transfer_failed"), Readmitted(), Ended()]

# every possible (phase, event) with the phase it leads to; anything else is impossible
ALLOWED = {
    (Phase.IVR, Answered): Phase.IVR,
    (Phase.IVR, MenuChosen): Phase.QUEUED,
    (Phase.QUEUED, Offered): Phase.RINGING,
    (Phase.RINGING, OfferLost): Phase.QUEUED,
    (Phase.RINGING, OfferWithdrawn): Phase.QUEUED,
    (Phase.RINGING, AgentAnswered): Phase.BRIDGED,
    (Phase.BRIDGED, Held): Phase.BRIDGED,
    (Phase.BRIDGED, Requeued): Phase.QUEUED,
    **{(phase, Readmitted): Phase.QUEUED for phase in lifecycle.LIVE},
    **{(phase, Ended): Phase.ENDED for phase in lifecycle.LIVE},
}


@pytest.mark.parametrize(("phase", "event"), list(itertools.product(Phase, EVENTS)),
                         ids=lambda v: v.value if isinstance(v, Phase) else type(v).__name__)
def test_every_phase_takes_exactly_its_events(phase, event):
    expected = ALLOWED.get((phase, type(event)))
    if expected is None:
        with pytest.raises(ImpossibleTransition):
            step(phase, event)
    else:
        assert step(phase, event)[0] == expected


def test_nothing_happens_to_an_ended_call():
    for event in EVENTS:
        with pytest.raises(ImpossibleTransition, match="cannot happen in phase ended"):
            step(Phase.ENDED, event)


def test_a_new_call_is_answered_then_announced():
    assert step(Phase.IVR, Answered()) == (Phase.IVR, (AnswerCaller(), NotifyStarted()))


def test_the_menu_choice_is_recorded_with_its_queue():
    phase, commands = step(Phase.IVR, MenuChosen("enterprise", "2"))
    assert phase == Phase.QUEUED
    assert commands == (Record({"menu_choice": "2", "queue": "enterprise", "event": "menu", "detail": {"choice": "2", "queue": "enterprise"}}),)


def test_a_ring_timeout_puts_the_caller_back_in_the_queue_and_looks_for_the_next_agent():
    phase, commands = step(Phase.RINGING, OfferLost(7, "1001", "no_answer"))
    assert phase == Phase.QUEUED
    assert commands == (Record({"phase": "queued", "event": "ring_timeout",
                                "detail": {"agent_id": 7, "extension": "1001", "outcome": "no_answer"}}),
                        AgentChanged(7), AnnounceQueued(), WakeDispatchers("offer failed"))


def test_hold_mutes_the_caller_then_plays_music_and_unhold_undoes_both():
    assert step(Phase.BRIDGED, Held(True)) == (Phase.BRIDGED, (MuteCaller(True), Music(True)))
    assert step(Phase.BRIDGED, Held(False)) == (Phase.BRIDGED, (MuteCaller(False), Music(False)))


def test_a_requeue_is_recorded_told_to_the_caller_and_puts_the_call_back_in_the_acd():
    phase, commands = step(Phase.BRIDGED, Requeued("general", "transfer"))
    assert phase == Phase.QUEUED
    assert commands == (Record({"event": "requeued", "detail": {"queue": "general", "reason": "transfer"}}),
                        PlayNotice("transfer_wait"), Enqueue(fresh=False))
    assert step(Phase.BRIDGED, Requeued("general", "transfer_failed"))[1][1] == PlayNotice("transfer_failed")


@pytest.mark.parametrize("event", [Offered(), OfferWithdrawn(), AgentAnswered(), Readmitted(), Ended()])
def test_silent_transitions_ask_for_nothing(event):
    phase = next(p for (p, kind) in ALLOWED if kind is type(event))
    assert step(phase, event)[1] == ()


def test_the_phase_is_stored_as_its_name():
    assert [p.value for p in Phase] == ["ivr", "queued", "ringing", "bridged", "ended"]
    assert Phase("bridged") is Phase.BRIDGED and Phase.QUEUED == "queued"
