"""The bridged phase of a call: hang-ups of its legs and the agent's call-control commands
(hold, blind and attended transfer, three-way call, emergency hand-off, leave, hang up).

Commands arrive from the API through the Redis command channel (ivr.commands) and are
answered with {"ok", "status", "detail", "data"}; every action is written to call_events
and published as a `call.<action>` event (R-04, R-06).
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from acd.queues import GENERAL, is_queue
from core.dialling import caller_id, outside_number_allowed
from ivr.ari import AriError
from ivr.menu import Prompt
from ivr.messages import CallAction

if TYPE_CHECKING:
    from ivr.call_types import Command, Leg

log = logging.getLogger(__name__)
EMERGENCY_SERVICES = ("110", "119", "120", "122")
TRANSFER_RING_SECONDS = 30
SUPERVISOR_ROLES = ("supervisor", "admin")


def _ok(**data: Any) -> dict:
    return {"ok": True, "status": 200, "data": data}


def _fail(status: int, detail: str) -> dict:
    return {"ok": False, "status": status, "detail": detail}


class ControlMixin:
    """Mixed into ivr.session.CallSession (uses its attributes and helpers)."""

    # ---------------------------------------------------------------- the bridged phase
    async def talk(self) -> bool:
        """Run the conversation; False when the call is over, True when it goes back to a queue."""
        from ivr.call_types import HANGUP_EVENTS, Command

        while self.phase == "bridged":
            message = await self.next()
            if isinstance(message, Command):
                await self.on_command(message)
            elif isinstance(message, dict):
                leg = self.legs.get(message.get("channel", {}).get("id"))
                if leg is None:
                    continue
                if message["type"] == "StasisStart" and not leg.answered:
                    await self.leg_answered(leg)
                elif message["type"] in HANGUP_EVENTS and not leg.gone and await self.leg_gone(leg) == "end":
                    return False
        return self.phase in ("queued", "ringing")

    async def action(self, name: str, *, actor_id: int | None = None, target: str | None = None,
                     **detail: Any) -> None:
        """Record and publish one action on the call."""
        self.record(event=name, actor_id=actor_id, detail={"target": target, **detail})
        await self.w.notify(f"call.{name}", CallAction(call_id=self.call_id, action=name, actor_id=actor_id,
                                                        target=target, detail=detail),
                            agent_id=self.agent.user_id if self.agent else actor_id, broadcast=False,
                            region_code=self.region_code)

    # ---------------------------------------------------------------- legs
    async def dial_leg(self, kind: str, target: str, endpoint: str, *, user_id: int | None = None,
                       caller_id: str | None = None, timeout: int = TRANSFER_RING_SECONDS) -> Leg:
        from ivr.call_types import Leg, leg_id

        leg = Leg(leg_id(self.call_id, kind, target), kind, target, user_id)
        self.add_leg(leg)
        try:
            await self.w.calls.originate(leg_id=leg.channel_id, endpoint=endpoint, app=self.app,
                                         app_args=f"{kind},{self.call_id}", caller_id=caller_id or self.caller_id(),
                                         timeout=timeout)
        except AriError:
            self.drop_leg(leg)
            raise
        return leg

    def pending(self, *kinds: str) -> Leg | None:
        return next((leg for leg in self.legs.values() if leg.kind in kinds and not leg.gone), None)

    async def leg_answered(self, leg: Leg) -> None:
        leg.answered = True
        if leg.kind == "xfer":
            await self.hold_caller(False)
            await self.w.calls.add(self.bridge_id, leg.channel_id)
            await self.take_over(leg)
            await self.action("transferred", target=leg.target, mode="blind")
        elif leg.kind == "consult":
            consult = f"consult-{self.call_id}"
            await self.w.calls.bridge(consult, f"consultation {self.call_id}")
            self.w.index_bridge(consult, self)
            if self.agent is not None:
                await self.w.calls.add(consult, self.agent.channel_id, leg.channel_id)
            await self.action("transfer_started", target=leg.target, mode="attended", phase="consulting")
        elif leg.kind in ("party", "emer"):
            await self.w.calls.add(self.bridge_id, leg.channel_id)
            if leg.kind == "emer":
                self.emergency = leg.target
                self.record(emergency_service=leg.target)
                await self.action("emergency", target=leg.target, phase="connected")
            else:
                await self.action("party_added", target=leg.target)
            if leg.user_id:
                await self.w.store.answered(call_id=self.call_id, user_id=leg.user_id, now=time.time())
                await self.w.agent_changed(leg.user_id)

    async def take_over(self, leg: Leg) -> None:
        """A transfer target becomes the agent of the call."""
        self.agent, self.transferred = leg, True
        if leg.user_id:
            await self.w.store.answered(call_id=self.call_id, user_id=leg.user_id, now=time.time())
            await self.w.agent_changed(leg.user_id)

    async def release_leg_agent(self, leg: Leg) -> None:
        if leg.user_id is None:
            return
        now = time.time()
        if leg.answered:
            await self.w.store.call_ended(leg.user_id, self.call_id, now, self.w.settings.calls.wrap_up_seconds)
        elif leg.kind == "agent":
            await self.w.store.offer_failed(call_id=self.call_id, user_id=leg.user_id, now=now, outcome="cancelled")
        else:
            await self.w.store.release_seized(leg.user_id, self.call_id, now)
        await self.w.agent_changed(leg.user_id)

    async def leg_gone(self, leg: Leg) -> str:
        """A leg hung up: 'end' when nobody is left with the caller, else 'go on'."""
        leg.gone = True
        self.drop_leg(leg)
        await self.release_leg_agent(leg)
        if leg is self.agent:
            self.agent = None
            consult = self.pending("consult")
            if consult is not None and consult.answered:
                return await self.complete_transfer(consult, hung_up=True)
            if consult is not None:  # the agent gave up before the target answered
                await self.w.calls.hangup(consult.channel_id)
            if self.pending("xfer"):
                return "go on"  # blind transfer still ringing; the caller hears music
            if self.live_parties():
                await self.action("agent_left", actor_id=leg.user_id, target=leg.target)
                return "go on"
            self.ended_by = "agent"
            return "end"
        if leg.kind == "xfer":
            await self.action("transfer_cancelled", target=leg.target, mode="blind", reason="no answer")
            return await self.requeue(GENERAL, reason="transfer_failed")
        if leg.kind == "consult":
            await self.back_from_consultation()
            await self.action("transfer_cancelled", target=leg.target, mode="attended",
                              reason="hung up" if leg.answered else "no answer")
            return "go on"
        if leg.kind in ("party", "emer"):
            name = "party_left" if leg.answered else "party_failed"
            await self.action(name, target=leg.target, kind=leg.kind)
        if self.agent is None and not self.live_parties() and not self.pending("xfer", "consult"):
            self.ended_by = "system"
            return "end"
        return "go on"

    async def back_from_consultation(self) -> None:
        consult = f"consult-{self.call_id}"
        if self.agent is not None and not self.agent.gone:
            await self.w.calls.add(self.bridge_id, self.agent.channel_id)
        await self.w.calls.destroy(consult)
        self.w.unindex_bridge(consult)
        await self.hold_caller(False)

    async def requeue(self, queue: str, *, reason: str) -> str:
        """Send the caller back to a queue, ahead of the others (urgent)."""
        self.queue, self.urgent, self.phase = queue, True, "queued"
        self.agent = None
        await self.hold_caller(False)
        self.record(event="requeued", detail={"queue": queue, "reason": reason})
        notice = "transfer_failed" if reason == "transfer_failed" else "transfer_wait"
        try:
            await self.play_and_collect(Prompt((notice,), max_digits=0, timeout=0))
        except AriError:
            pass
        await self.enqueue(fresh=False)
        return "requeue"

    async def hold_caller(self, on: bool) -> None:
        if self.held == on:
            return
        self.held = on
        await self.w.calls.mute_in(self.caller, on)
        await self.w.calls.moh(self.caller, on)

    # ---------------------------------------------------------------- commands
    async def on_command(self, command: Command) -> None:
        handler = getattr(self, f"cmd_{command.action}", None)
        if handler is None:
            command.reply.set_result(_fail(422, f"unknown action {command.action}"))
            return
        controller = self.agent.user_id if self.agent else None
        if command.actor_role not in SUPERVISOR_ROLES and command.actor_id != controller:
            command.reply.set_result(_fail(403, "只有当前通话的坐席可以操作 (not your call)"))
            return
        try:
            result = await handler(command)
        except AriError as exc:
            log.warning("call command failed", extra={"call_id": self.call_id, "action": command.action,
                                                      "error": str(exc)})
            result = _fail(409 if exc.status in (404, 409, 422) else 502, f"Asterisk: {exc.message}")
        except Exception:  # a bug in one command must not end the caller's call
            log.exception("call command crashed", extra={"call_id": self.call_id, "action": command.action})
            result = _fail(500, "call control failed")
        if not command.reply.done():
            command.reply.set_result(result)

    async def cmd_hold(self, command: Command) -> dict:
        if self.held:
            return _fail(409, "已在保持中 (already on hold)")
        await self.hold_caller(True)
        await self.action("held", actor_id=command.actor_id)
        return _ok(held=True)

    async def cmd_unhold(self, command: Command) -> dict:
        if not self.held or self.pending("consult"):
            return _fail(409, "未在保持中 (not on hold)")
        await self.hold_caller(False)
        await self.action("unheld", actor_id=command.actor_id)
        return _ok(held=False)

    async def cmd_hangup(self, command: Command) -> dict:
        self.ended_by = "agent"
        await self.w.calls.hangup(self.caller)
        return _ok()

    async def cmd_leave(self, command: Command) -> dict:
        if self.agent is None or not self.live_parties():
            return _fail(409, "通话中没有其他方，不能离开 (no other party would stay with the caller)")
        await self.w.calls.hangup(self.agent.channel_id)
        return _ok()

    async def resolve_seat(self, extension: str) -> tuple[str, int | None] | dict:
        """(endpoint, user id) of a seat to dial, or a failure reply."""
        endpoint = await self.w.endpoint_for(extension)
        if endpoint is None:
            return _fail(409, f"分机 {extension} 未注册 (extension not registered)")
        user_id = await self.w.user_for_extension(extension)
        if user_id is not None and user_id == (self.agent.user_id if self.agent else None):
            return _fail(409, "不能转给自己 (cannot transfer to yourself)")
        if user_id is not None:
            seized = await self.w.store.seize(user_id=user_id, call_id=self.call_id, now=time.time())
            if seized == 0:
                return _fail(409, f"坐席 {extension} 正忙 (seat busy)")
            if seized == 1:
                await self.w.agent_changed(user_id)
        return endpoint, user_id

    async def cmd_transfer(self, command: Command) -> dict:
        mode, queue, extension = (command.args.get("mode", "blind"), command.args.get("queue"),
                                  command.args.get("extension"))
        if self.pending("xfer", "consult"):
            return _fail(409, "已有转接在进行 (a transfer is in progress)")
        if queue:
            if not is_queue(queue) or mode != "blind":
                return _fail(422, f"unknown queue {queue} (or attended transfer to a queue)")
            await self.action("transfer_started", actor_id=command.actor_id, target=queue, mode="blind")
            agent = self.agent
            if agent is not None:  # the agent's part is done: wrap-up, then hang up their leg
                agent.gone = True
                self.drop_leg(agent)
                await self.release_leg_agent(agent)
                await self.w.calls.hangup(agent.channel_id)
            await self.requeue(queue, reason="transfer")
            return _ok(queue=queue)
        seat = await self.resolve_seat(str(extension))
        if isinstance(seat, dict):
            return seat
        endpoint, user_id = seat
        kind = "xfer" if mode == "blind" else "consult"
        await self.hold_caller(True)  # music for the caller while the target rings
        try:
            leg = await self.dial_leg(kind, str(extension), endpoint, user_id=user_id)
        except AriError:
            await self.hold_caller(False)
            if user_id:
                await self.w.store.release_seized(user_id, self.call_id, time.time())
            raise
        await self.action("transfer_started", actor_id=command.actor_id, target=str(extension), mode=mode)
        if mode == "blind" and self.agent is not None:
            await self.w.calls.hangup(self.agent.channel_id)  # the agent's part is done
        return _ok(leg=leg.channel_id, mode=mode)

    async def cmd_transfer_complete(self, command: Command) -> dict:
        consult = self.pending("consult")
        if consult is None or not consult.answered:
            return _fail(409, "没有已接通的咨询转接 (no answered consultation)")
        await self.complete_transfer(consult, hung_up=False)
        return _ok(extension=consult.target)

    async def complete_transfer(self, consult: Leg, *, hung_up: bool) -> str:
        consult.kind = "xfer"
        previous = self.agent
        await self.w.calls.add(self.bridge_id, consult.channel_id)
        await self.w.calls.destroy(f"consult-{self.call_id}")
        self.w.unindex_bridge(f"consult-{self.call_id}")
        await self.hold_caller(False)
        await self.take_over(consult)
        await self.action("transferred", target=consult.target, mode="attended")
        if previous is not None and not hung_up:
            await self.w.calls.hangup(previous.channel_id)
        return "go on"

    async def cmd_transfer_cancel(self, command: Command) -> dict:
        consult = self.pending("consult")
        if consult is None:
            return _fail(409, "没有进行中的咨询转接 (no consultation)")
        await self.w.calls.hangup(consult.channel_id)  # leg_gone brings the agent back
        return _ok()

    async def cmd_add_party(self, command: Command) -> dict:
        extension, number = command.args.get("extension"), command.args.get("number")
        if extension:
            seat = await self.resolve_seat(str(extension))
            if isinstance(seat, dict):
                return seat
            endpoint, user_id, target = seat[0], seat[1], str(extension)
        elif number:
            # checked again here: the worker dials, whoever put the command on its channel
            if not outside_number_allowed(str(number), self.w.settings.dialling.outside_numbers):
                return _fail(422, "该号码不允许外呼 (number not on the allow-list)")
            endpoint, user_id, target = f"PJSIP/{number}@pstn", None, str(number)
        else:
            return _fail(422, "extension or number required")
        # an outside party sees the hotline's number, never the citizen's
        shown = caller_id(self.w.settings.dialling.outbound_caller_id) if number and not extension else None
        leg = await self.dial_leg("party", target, endpoint, user_id=user_id, caller_id=shown)
        await self.action("party_dialled", actor_id=command.actor_id, target=target)
        return _ok(leg=leg.channel_id)

    async def cmd_emergency(self, command: Command) -> dict:
        service = str(command.args.get("service"))
        if service not in EMERGENCY_SERVICES:
            return _fail(422, "service must be 110, 119, 120 or 122")
        if self.pending("emer"):
            return _fail(409, "紧急转接已在进行 (emergency hand-off in progress)")
        # the centre sees the caller's number, so it can call back
        leg = await self.dial_leg("emer", service, f"PJSIP/{service}@emergency", timeout=60)
        await self.action("emergency", actor_id=command.actor_id, target=service, phase="dialling")
        return _ok(leg=leg.channel_id, service=service)
