"""Domain events the telephony core publishes on the event bus (realtime.bus, Redis pub/sub
channel HOTLINE_EVENTS_CHANNEL, default `hotline:events`). The contract for the desktop and
wallboard: every message is a realtime BusEvent

    {"type": "<type>", "at": "<ISO 8601>", "data": {<fields of the model below>}, "audience": {...}}

Caller numbers travel in full only to the agent concerned and supervisors; broadcast
events carry `caller_masked` (138****8000).
"""
from __future__ import annotations

from pydantic import BaseModel


class CallStarted(BaseModel):
    """call.started — a call entered the voice menu."""
    call_id: int
    caller_masked: str


class CallBlocked(BaseModel):
    """call.blocked — a suspended caller heard the notice and was released (R-26)."""
    call_id: int
    caller_masked: str
    reason: str


class CallQueued(BaseModel):
    """call.queued — a call waits in a queue (also when it waits again after a failed offer)."""
    call_id: int
    queue: str
    urgent: bool
    position: int | None
    caller_masked: str


class CallOffered(BaseModel):
    """call.offered — an agent's phone rings with this call (screen pop); to that agent."""
    call_id: int
    agent_id: int
    extension: str
    queue: str
    caller_number: str
    waited_seconds: float


class CallAnswered(BaseModel):
    """call.answered — the agent answered; caller and agent are bridged and recorded."""
    call_id: int
    agent_id: int
    extension: str
    queue: str | None
    caller_number: str
    waited_seconds: float | None


ACTIONS = ("held", "unheld", "transfer_started", "transferred", "transfer_cancelled", "party_dialled",
           "party_added", "party_left", "party_failed", "emergency", "agent_left")


class CallAction(BaseModel):
    """call.<action> for every action in ACTIONS — something done on a call (by an agent, or
    what came of it: the target answered, the party left …)."""
    call_id: int
    action: str
    actor_id: int | None = None
    target: str | None = None  # extension, number or emergency service
    detail: dict = {}


class CallEnded(BaseModel):
    """call.ended — the call is over; disposition answered|abandoned|ivr_ended|transferred|emergency."""
    call_id: int
    disposition: str
    queue: str | None
    agent_id: int | None
    duration_seconds: float
    caller_masked: str


class AgentStateChanged(BaseModel):
    """agent.state — an agent's ACD state changed."""
    agent_id: int
    username: str
    extension: str
    state: str  # logged_out | ready | not_ready | ringing | on_call | wrap_up
    reason: str = ""
    call_id: int | None = None
    pending_state: str = ""


class QueueStats(BaseModel):
    """queue.stats — live figures of one queue after any change."""
    queue: str
    waiting: int
    longest_wait_seconds: float


class RecordingReady(BaseModel):
    """recording.ready — a call's recording is stored."""
    recording_id: int
    call_id: int
    duration_seconds: float


TYPES: dict[str, type[BaseModel]] = {
    "call.started": CallStarted, "call.blocked": CallBlocked, "call.queued": CallQueued,
    "call.offered": CallOffered, "call.answered": CallAnswered, "call.ended": CallEnded,
    "agent.state": AgentStateChanged, "queue.stats": QueueStats, "recording.ready": RecordingReady,
    **{f"call.{a}": CallAction for a in ACTIONS},
}

