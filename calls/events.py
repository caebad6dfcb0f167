"""Events of a call on the event bus (events.bus; see events.envelope for the envelope), the
contract for the desktop and the wallboard's stats worker:

    {"type": "<TYPE>", "at": "<ISO 8601>", "data": {<fields of the model>}, "audience": {...}}

Published fire-and-forget by CallNotifier: a lost event costs a screen a reload, never a business
fact (those are in the database). Every call event is regional (R-31): it reaches supervisors (and,
broadcast, every desktop) only where their organisation scope covers the call's region; the seats
named in it always get it. Caller numbers travel in full only to the agent concerned and
supervisors; broadcast events carry `caller_masked` (138****8000).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pydantic import BaseModel

from events.bus import EventBus
from events.envelope import regional_audience


class CallStarted(BaseModel):
    """call.started — a call entered the voice menu."""
    TYPE: ClassVar[str] = "call.started"
    call_id: int
    caller_masked: str


class CallBlocked(BaseModel):
    """call.blocked — a suspended caller heard the notice and was released (R-26)."""
    TYPE: ClassVar[str] = "call.blocked"
    call_id: int
    caller_masked: str
    reason: str


class CallQueued(BaseModel):
    """call.queued — a call waits in a queue (also when it waits again after a failed offer)."""
    TYPE: ClassVar[str] = "call.queued"
    call_id: int
    queue: str
    urgent: bool
    position: int | None
    caller_masked: str


class CallOffered(BaseModel):
    """call.offered — an agent's phone rings with this call (screen pop); to that agent."""
    TYPE: ClassVar[str] = "call.offered"
    call_id: int
    agent_id: int
    extension: str
    queue: str
    caller_number: str
    waited_seconds: float


class CallAnswered(BaseModel):
    """call.answered — the agent answered; caller and agent are bridged and recorded."""
    TYPE: ClassVar[str] = "call.answered"
    call_id: int
    agent_id: int
    extension: str
    queue: str | None
    caller_number: str
    waited_seconds: float | None


ACTIONS = ("held", "unheld", "transfer_started", "transferred", "transfer_cancelled", "party_dialled",
           "party_added", "party_left", "party_failed", "emergency", "agent_left",
           # a supervisor monitoring the call (ivr.monitor), to the region's supervisors only
           "monitor_started", "monitor_mode_changed", "monitor_stopped")


class CallAction(BaseModel):
    """call.<action> for every action in ACTIONS — something done on a call (by an agent, or
    what came of it: the target answered, the party left …)."""
    call_id: int
    action: str
    actor_id: int | None = None
    target: str | None = None  # extension, number or emergency service
    detail: dict = {}

    @property
    def type(self) -> str:
        return f"call.{self.action}"


class CallEnded(BaseModel):
    """call.ended — the call is over; disposition answered|abandoned|ivr_ended|transferred|emergency."""
    TYPE: ClassVar[str] = "call.ended"
    call_id: int
    disposition: str
    queue: str | None
    agent_id: int | None
    duration_seconds: float
    caller_masked: str


class RecordingReady(BaseModel):
    """recording.ready — a call's recording is stored."""
    TYPE: ClassVar[str] = "recording.ready"
    recording_id: int
    call_id: int
    duration_seconds: float


EVENTS: tuple[type[BaseModel], ...] = (CallStarted, CallBlocked, CallQueued, CallOffered, CallAnswered, CallAction,
                                       CallEnded, RecordingReady)


class CallNotifier:
    """One method per event; region_code is the call's region (None: province staff only)."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def call_started(self, event: CallStarted, *, region_code: str | None) -> None:
        """To every desktop within the region's scope (the number masked)."""
        await self.bus.publish_or_log(event.TYPE, event, audience=regional_audience(region_code=region_code))

    async def call_blocked(self, event: CallBlocked, *, region_code: str | None = None) -> None:
        """To every desktop within the region's scope (the number masked)."""
        await self.bus.publish_or_log(event.TYPE, event, audience=regional_audience(region_code=region_code))

    async def call_queued(self, event: CallQueued, *, region_code: str | None) -> None:
        """To every desktop within the region's scope (the number masked)."""
        await self.bus.publish_or_log(event.TYPE, event, audience=regional_audience(region_code=region_code))

    async def call_offered(self, event: CallOffered, *, region_code: str | None) -> None:
        """To the ringing agent and the region's supervisors (the full number: a screen pop)."""
        await self._to_seats(event.TYPE, event, named=(event.agent_id,), region_code=region_code)

    async def call_answered(self, event: CallAnswered, *, region_code: str | None) -> None:
        """To the answering agent and the region's supervisors (the full number)."""
        await self._to_seats(event.TYPE, event, named=(event.agent_id,), region_code=region_code)

    async def call_action(self, event: CallAction, *, agent_id: int | None, region_code: str | None) -> None:
        """To the call's agent (or, before one answered, the actor) and the region's supervisors."""
        await self._to_seats(event.type, event, named=(agent_id,), region_code=region_code)

    async def call_ended(self, event: CallEnded, *, seats: Iterable[int | None], region_code: str | None) -> None:
        """To every desktop within the region's scope, and the call's seats wherever they are."""
        await self.bus.publish_or_log(event.TYPE, event, audience=regional_audience(
            region_code=region_code, named=seats))

    async def recording_ready(self, event: RecordingReady, *, seats: Iterable[int | None],
                              region_code: str | None) -> None:
        """To the call's seats (agent, consulted seats) and the region's supervisors."""
        await self._to_seats(event.TYPE, event, named=seats, region_code=region_code)

    async def _to_seats(self, type_: str, event: BaseModel, *, named: Iterable[int | None],
                        region_code: str | None) -> None:
        await self.bus.publish_or_log(type_, event, audience=regional_audience(
            region_code=region_code, named=named, broadcast=False))
