"""A call's life cycle as a pure state machine: (phase, event) -> (phase, commands).

    ivr ──menu choice──> queued ──offered──> ringing ──agent answered──> bridged
                          ^  ^                  │                           │
                          │  └─offer lost/withdrawn                         │
                          └──────────requeued (transfer to a queue, failed)─┘
    any live phase ──ended──> ended        (a resumed call is readmitted to `queued`)

This module owns every change of a call's phase: the call (ivr.session) asks `step` and
executes the commands it returns, in order; an event its phase cannot take raises
`ImpossibleTransition` (a bug, never a caller's doing). No I/O here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    """Stored as is in calls.phase, and read by the ACD dispatcher ("queued")."""

    IVR = "ivr"
    QUEUED = "queued"
    RINGING = "ringing"
    BRIDGED = "bridged"
    ENDED = "ended"


LIVE = frozenset({Phase.IVR, Phase.QUEUED, Phase.RINGING, Phase.BRIDGED})
WAITING = frozenset({Phase.QUEUED, Phase.RINGING})  # the caller is in the ACD


class ImpossibleTransition(ValueError):
    def __init__(self, phase: Phase, event: Event) -> None:
        super().__init__(f"{type(event).__name__} cannot happen in phase {phase}")
        self.phase, self.event = phase, event


# ------------------------------------------------------------------ events
@dataclass(frozen=True)
class Answered:
    """The caller's channel is ours: answer it and say the call started."""


@dataclass(frozen=True)
class MenuChosen:
    queue: str
    choice: str  # what the caller keyed, as ivr.menu.ToQueue says


@dataclass(frozen=True)
class Offered:
    """The dispatcher offered the call to an agent: their phone is about to ring."""


@dataclass(frozen=True)
class OfferLost:
    agent_id: int | None
    extension: str
    outcome: str  # no_answer | unreachable


@dataclass(frozen=True)
class OfferWithdrawn:
    """The agent answered but cannot have the call (offer gone meanwhile, left before the bridge)."""


@dataclass(frozen=True)
class AgentAnswered:
    """The caller and the agent are in the call's bridge."""


@dataclass(frozen=True)
class Held:
    on: bool


@dataclass(frozen=True)
class Requeued:
    """A blind transfer to a queue, or a failed transfer: the caller waits again."""

    queue: str
    reason: str  # transfer | transfer_failed


@dataclass(frozen=True)
class Readmitted:
    """A call taken over after a restart goes back into its queue (see ivr.resync)."""


@dataclass(frozen=True)
class Ended:
    """The caller, the agent or the system ended the call; what is left is torn down."""


Event = Answered | MenuChosen | Offered | OfferLost | OfferWithdrawn | AgentAnswered | Held | Requeued \
    | Readmitted | Ended


# ------------------------------------------------------------------ commands
@dataclass(frozen=True)
class AnswerCaller:
    pass


@dataclass(frozen=True)
class NotifyStarted:
    pass


@dataclass(frozen=True)
class Record:
    """A write to the call's record (fields, and `event`/`detail` for a call event)."""

    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MuteCaller:
    on: bool  # the caller hears nobody and nobody hears the caller


@dataclass(frozen=True)
class Music:
    on: bool


@dataclass(frozen=True)
class PlayNotice:
    """A prompt played whole to the caller (no keys); a failure to play it is no matter."""

    key: str


@dataclass(frozen=True)
class Enqueue:
    """Into the ACD (at the call's known entry time) and announced as queued."""

    fresh: bool  # the first time: the entry time is recorded


@dataclass(frozen=True)
class AnnounceQueued:
    """`call.queued` with the caller's position."""


@dataclass(frozen=True)
class AgentChanged:
    """`agent.state` for an agent whose state the call changed."""

    user_id: int | None


@dataclass(frozen=True)
class WakeDispatchers:
    reason: str


Command = AnswerCaller | NotifyStarted | Record | MuteCaller | Music | PlayNotice | Enqueue | AnnounceQueued \
    | AgentChanged | WakeDispatchers


# ------------------------------------------------------------------ transitions
def step(phase: Phase, event: Event) -> tuple[Phase, tuple[Command, ...]]:
    """The phase after `event` and what the call does for it."""
    handle = _TABLE.get((phase, type(event)))
    if handle is None:
        raise ImpossibleTransition(phase, event)
    return handle(event)


def _answered(event: Answered) -> tuple[Phase, tuple[Command, ...]]:
    return Phase.IVR, (AnswerCaller(), NotifyStarted())


def _menu_chosen(event: MenuChosen) -> tuple[Phase, tuple[Command, ...]]:
    # the queue goes with the choice in one write: a screen pop read the moment the agent rings
    # (before the queue entry's own write lands) shows the whole way through the menu
    return Phase.QUEUED, (Record({"menu_choice": event.choice, "queue": event.queue, "event": "menu",
                                  "detail": {"choice": event.choice, "queue": event.queue}}),)


def _to(phase: Phase) -> Callable[[Event], tuple[Phase, tuple[Command, ...]]]:
    """A change of phase that asks for nothing more."""
    return lambda event: (phase, ())


def _offer_lost(event: OfferLost) -> tuple[Phase, tuple[Command, ...]]:
    """The agent is free again (their state changed), the caller waits on, and the dispatchers
    look for the next agent at once."""
    return Phase.QUEUED, (Record({"phase": Phase.QUEUED.value, "event": "ring_timeout",
                                  "detail": {"agent_id": event.agent_id, "extension": event.extension,
                                             "outcome": event.outcome}}),
                          AgentChanged(event.agent_id), AnnounceQueued(), WakeDispatchers("offer failed"))


def _held(event: Held) -> tuple[Phase, tuple[Command, ...]]:
    return Phase.BRIDGED, (MuteCaller(event.on), Music(event.on))


def _requeued(event: Requeued) -> tuple[Phase, tuple[Command, ...]]:
    """The caller hears why they wait again, then goes back into the ACD ahead of the others."""
    notice = "transfer_failed" if event.reason == "transfer_failed" else "transfer_wait"
    return Phase.QUEUED, (Record({"event": "requeued", "detail": {"queue": event.queue, "reason": event.reason}}),
                          PlayNotice(notice), Enqueue(fresh=False))


_TABLE: dict[tuple[Phase, type], Callable[[Any], tuple[Phase, tuple[Command, ...]]]] = {
    (Phase.IVR, Answered): _answered,
    (Phase.IVR, MenuChosen): _menu_chosen,
    (Phase.QUEUED, Offered): _to(Phase.RINGING),
    (Phase.RINGING, OfferLost): _offer_lost,
    (Phase.RINGING, OfferWithdrawn): _to(Phase.QUEUED),
    (Phase.RINGING, AgentAnswered): _to(Phase.BRIDGED),
    (Phase.BRIDGED, Held): _held,
    (Phase.BRIDGED, Requeued): _requeued,
    **{(phase, Readmitted): _to(Phase.QUEUED) for phase in LIVE},
    **{(phase, Ended): _to(Phase.ENDED) for phase in LIVE},
}
