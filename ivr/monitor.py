"""A supervisor monitoring a call (listen, whisper, barge), run by the call's own task like
every other call command (calls/commands.py; the API side is calls/monitor_endpoints.py).

The platform rings the supervisor's seat (a leg `<call>-monitor-<ext>-<hex>` into the call's
application). Once it answers, what the supervisor hears and who hears them depends on the mode:

- listen:  a snoop channel on the caller's channel, spy=both, whisper=none, with the supervisor
           in a bridge of their own (`monitor-<call>`). The caller's channel hears everyone in
           the call and stays the same through transfers and three-way calls, so the supervisor
           hears every party; nothing the supervisor says reaches anyone (whisper=none).
- whisper: a snoop on the controlling agent's channel, spy=both (the agent and what the agent
           hears), whisper=out (the supervisor's voice is mixed into what the agent hears, and
           into nothing else). When the call changes agent (a transfer) the snoop follows.
- barge:   the supervisor's channel joins the call's bridge: everyone hears everyone.

Each change is a call event (`monitor_started`, `monitor_mode_changed`, `monitor_stopped`, with
the mode, the seat and the supervisor), published to the region's supervisors only: a listened
agent is not told. The monitor ends with the call (ivr.ending tears it down), when the
supervisor hangs up, or on DELETE. The decisions are pure (`snoop_plan`); the rest is the shell.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from calls.commands import Command
from calls.events import CallAction
from ivr.ari import AriError
from ivr.call_context import CallContext
from ivr.call_types import HANGUP_EVENTS, leg_id

log = logging.getLogger(__name__)
MODES = ("listen", "whisper", "barge")
SUPERVISOR_ROLES = ("supervisor", "admin")
RING_SECONDS = 30


def _ok(**data: Any) -> dict:
    return {"ok": True, "status": 200, "data": data}


def _fail(status: int, detail: str) -> dict:
    return {"ok": False, "status": status, "detail": detail}


@dataclass(frozen=True)
class SnoopPlan:
    """Which channel to snoop and how (None: no snoop, the supervisor is in the call's bridge)."""

    channel_id: str
    spy: str
    whisper: str


def snoop_plan(mode: str, *, caller: str, agent: str | None) -> SnoopPlan | None:
    """Pure: the snoop a mode needs. Whisper without an agent on the call (a moment of a
    transfer, the caller waiting in a queue) listens on the caller until an agent is back."""
    if mode == "barge":
        return None
    if mode == "whisper" and agent is not None:
        return SnoopPlan(agent, "both", "out")
    return SnoopPlan(caller, "both", "none")


@dataclass
class MonitorState:
    supervisor_id: int | None
    supervisor: str  # the supervisor's user name (who, in the events)
    extension: str
    mode: str
    channel_id: str  # the supervisor's leg
    answered: bool = False
    snoop_id: str | None = None
    snooped: str | None = None  # the channel the snoop is on
    snoop_ready: bool = False
    retired: set[str] = field(default_factory=set)  # snoops we hung up ourselves


class Monitor:
    """The call's monitor (at most one supervisor at a time)."""

    def __init__(self, call: CallContext) -> None:
        self.call, self.ports = call, call.ports
        self.state: MonitorState | None = None

    @property
    def bridge_id(self) -> str:
        return f"monitor-{self.call.call_id}"

    def owns(self, message: Any) -> bool:
        """An ARI event of the monitor's channels (the supervisor's leg or a snoop)."""
        if self.state is None or not isinstance(message, dict):
            return False
        channel = message.get("channel", {}).get("id")
        s = self.state
        return channel is not None and (channel in (s.channel_id, s.snoop_id) or channel in s.retired)

    # ---------------------------------------------------------------- commands
    async def start(self, command: Command) -> dict:
        if command.actor_role not in SUPERVISOR_ROLES:
            return _fail(403, "只有班长或管理员可以监听 (supervisors only)")
        mode, extension = command.args.get("mode"), str(command.args.get("extension", ""))
        if mode not in MODES:
            return _fail(422, "mode must be listen, whisper or barge")
        if self.state is not None:
            return _fail(409, f"该通话已在被分机 {self.state.extension} 监听 (already monitored)")
        endpoint = await self.ports.seats.endpoint_for(extension)
        if endpoint is None:
            return _fail(409, f"分机 {extension} 未注册 (extension not registered)")
        call, telephony = self.call, self.ports.telephony
        await telephony.bridge(self.bridge_id, f"monitor {call.call_id}")
        self.ports.registry.add_bridge(self.bridge_id, call)
        state = MonitorState(command.actor_id, str(command.args.get("supervisor") or ""), extension, mode,
                             leg_id(call.call_id, "monitor", extension))
        self.state = state
        self.ports.registry.add_channel(state.channel_id, call)
        try:
            await telephony.originate(leg_id=state.channel_id, endpoint=endpoint, app=call.app,
                                      app_args=f"monitor,{call.call_id}", caller_id=f'"monitor {call.call_id}" <12345>',
                                      timeout=RING_SECONDS)
        except AriError:
            await self._clear()
            raise
        return _ok(mode=mode, extension=extension, channel=state.channel_id, state="ringing")

    async def change(self, command: Command) -> dict:
        if command.actor_role not in SUPERVISOR_ROLES:
            return _fail(403, "只有班长或管理员可以监听 (supervisors only)")
        mode, state = command.args.get("mode"), self.state
        if mode not in MODES:
            return _fail(422, "mode must be listen, whisper or barge")
        if state is None:
            return _fail(409, "该通话没有监听 (not monitored)")
        previous = state.mode
        if mode == previous:
            return _ok(mode=mode, extension=state.extension, changed=False)
        state.mode = mode
        if state.answered:
            await self._attach()
        await self._event("monitor_mode_changed", command.actor_id, previous=previous)
        return _ok(mode=mode, extension=state.extension, changed=True)

    async def stop(self, command: Command) -> dict:
        if command.actor_role not in SUPERVISOR_ROLES:
            return _fail(403, "只有班长或管理员可以监听 (supervisors only)")
        if self.state is None:
            return _fail(409, "该通话没有监听 (not monitored)")
        extension = self.state.extension
        await self.end("stopped", actor_id=command.actor_id)
        return _ok(extension=extension, stopped=True)

    # ---------------------------------------------------------------- events of its channels
    async def on_event(self, message: dict) -> None:
        """One event of the monitor's channels; Asterisk refusing a step never ends the call."""
        try:
            await self._on_event(message)
        except AriError as exc:
            log.warning("monitor step failed", extra={"call_id": self.call.call_id, "error": str(exc)})

    async def _on_event(self, message: dict) -> None:
        state, kind = self.state, message.get("type")
        channel = message.get("channel", {}).get("id")
        if state is None:
            return
        if channel in state.retired:
            if kind == "ChannelDestroyed":
                state.retired.discard(channel)
                self.ports.registry.drop_channel(channel)
            return
        if channel == state.channel_id:
            if kind == "StasisStart" and not state.answered:
                state.answered = True
                await self._attach()
                await self._event("monitor_started", state.supervisor_id)
            elif kind in HANGUP_EVENTS:
                await self.end("supervisor_hung_up" if state.answered else "not_answered",
                               actor_id=state.supervisor_id, hang_up=False)
        elif channel == state.snoop_id:
            if kind == "StasisStart" and not state.snoop_ready:
                state.snoop_ready = True
                await self.ports.telephony.add(self.bridge_id, channel)
            elif kind in HANGUP_EVENTS:  # the snooped channel left (an agent handing over): follow
                self.ports.registry.drop_channel(channel)
                state.snoop_id, state.snooped, state.snoop_ready = None, None, False
                if state.answered and not self.call.caller_gone:
                    await self._attach()

    async def follow(self) -> None:
        """The call's agent changed (a transfer completed): a whisper moves to the new agent."""
        state = self.state
        if state is None or not state.answered:
            return
        plan = snoop_plan(state.mode, caller=self.call.caller, agent=self._agent_channel())
        if plan is not None and plan.channel_id != state.snooped:
            try:
                await self._attach()
            except AriError as exc:
                log.warning("monitor did not follow the agent", extra={"call_id": self.call.call_id,
                                                                        "error": str(exc)})

    async def end(self, reason: str, *, actor_id: int | None = None, hang_up: bool = True) -> None:
        """Tear the monitor down (the call ended, DELETE, the supervisor hung up)."""
        state = self.state
        if state is None:
            return
        await self._event("monitor_stopped", actor_id, reason=reason)
        await self._clear(hang_up=hang_up)

    # ---------------------------------------------------------------- shell
    def _agent_channel(self) -> str | None:
        agent = self.call.agent
        return agent.channel_id if agent is not None and agent.answered and not agent.gone else None

    async def _attach(self) -> None:
        """Put the supervisor where the current mode wants them (idempotent-minded)."""
        state, telephony, call = self.state, self.ports.telephony, self.call
        assert state is not None
        plan = snoop_plan(state.mode, caller=call.caller, agent=self._agent_channel())
        await self._drop_snoop()
        if plan is None:  # barge: into the call's bridge (moved out of the monitor bridge)
            await telephony.add(call.bridge_id, state.channel_id)
            return
        await telephony.add(self.bridge_id, state.channel_id)
        snoop = leg_id(call.call_id, "snoop", state.extension)
        state.snoop_id, state.snooped, state.snoop_ready = snoop, plan.channel_id, False
        self.ports.registry.add_channel(snoop, call)
        await telephony.snoop(plan.channel_id, snoop, spy=plan.spy, whisper=plan.whisper, app=call.app,
                              app_args=f"snoop,{call.call_id}")

    async def _drop_snoop(self) -> None:
        state = self.state
        if state is None or state.snoop_id is None:
            return
        snoop, state.snoop_id, state.snooped, state.snoop_ready = state.snoop_id, None, None, False
        state.retired.add(snoop)
        await self.ports.telephony.hangup(snoop)

    async def _clear(self, *, hang_up: bool = True) -> None:
        state, telephony, registry = self.state, self.ports.telephony, self.ports.registry
        self.state = None
        if state is None:
            return
        for channel in (state.snoop_id, *state.retired):
            if channel:
                await telephony.hangup(channel)
                registry.drop_channel(channel)
        if hang_up:
            await telephony.hangup(state.channel_id)
        registry.drop_channel(state.channel_id)
        await telephony.destroy(self.bridge_id)
        registry.drop_bridge(self.bridge_id)

    async def _event(self, name: str, actor_id: int | None, **extra: Any) -> None:
        """Record the monitor's step on the call and tell the region's supervisors (not the agent)."""
        state, call = self.state, self.call
        assert state is not None
        detail = {"mode": state.mode, "extension": state.extension, "supervisor_id": state.supervisor_id,
                  "supervisor": state.supervisor, **extra}
        call.record(event=name, actor_id=actor_id, detail={"target": state.extension, **detail})
        await self.ports.publisher.calls.call_action(
            CallAction(call_id=call.call_id, action=name, actor_id=actor_id, target=state.extension, detail=detail),
            agent_id=None, region_code=call.region_code)
