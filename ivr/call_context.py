"""What a call's handlers (voice menu, queueing, talk, control, ending) know of their call.

The handlers are parts of one call (ivr.session.CallSession builds them and hands itself in);
they name the call by this protocol rather than by the session class, so the session depends on
its parts and never the other way round. Its state is plain attributes; its phase is read-only
here and changed only by `transition` (ivr.lifecycle).
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Protocol

from acd.dispatcher import Offer
from calls.commands import Command
from ivr import lifecycle
from ivr.call_types import Leg
from ivr.lifecycle import Phase
from ivr.ports import CallPorts
from ivr.registry import Legs


class TalkActions(Protocol):
    """What the agent's commands do to the conversation (ivr.talk.Talk)."""

    async def action(self, name: str, *, actor_id: int | None = None, target: str | None = None,
                     **detail: Any) -> None: ...
    async def hold_caller(self, on: bool) -> None: ...
    async def dial_leg(self, kind: str, target: str, endpoint: str, *, user_id: int | None = None,
                       caller_id: str | None = None, timeout: int = ...) -> Leg: ...
    async def release_leg_agent(self, leg: Leg) -> None: ...
    async def complete_transfer(self, consult: Leg, *, hung_up: bool) -> str: ...
    async def requeue(self, queue: str, *, reason: str) -> str: ...


class CommandHandler(Protocol):
    """The agent's commands on the call (ivr.control.CallControl)."""

    async def on_command(self, command: Command) -> None: ...


class MonitorHandler(Protocol):
    """A supervisor monitoring the call (ivr.monitor.Monitor)."""

    async def start(self, command: Command) -> dict: ...
    async def change(self, command: Command) -> dict: ...
    async def stop(self, command: Command) -> dict: ...
    async def follow(self) -> None: ...
    async def end(self, reason: str, *, actor_id: int | None = None, hang_up: bool = True) -> None: ...


class CallContext(Protocol):
    ports: CallPorts
    app: str
    call_id: int | None
    caller: str  # the caller's channel
    caller_number: str
    region_code: str | None
    started_at: datetime
    queue: str | None
    menu_choice: str | None  # what the caller keyed in the voice menu (ivr.menu.ToQueue)
    urgent: bool
    entered_at: float | None
    agent: Leg | None
    legs: Legs
    bridge_id: str | None
    caller_bridged: bool
    recording_name: str | None
    recording_done: asyncio.Future | None
    answered: bool
    answered_once: bool
    transferred: bool
    emergency: str | None
    held: bool
    caller_gone: bool
    ended_by: str
    talk: TalkActions
    control: CommandHandler
    monitor: MonitorHandler

    @property
    def phase(self) -> Phase: ...

    async def transition(self, event: lifecycle.Event) -> None: ...
    def record(self, **fields: Any) -> None: ...
    async def flush_records(self) -> None: ...
    async def next(self, timeout: float | None = None) -> Any: ...
    async def cancel_offer(self, offer: Offer) -> None: ...
    def live_parties(self) -> list[Leg]: ...
    def caller_id(self) -> str: ...
