"""The agent's call-control commands on a bridged call: hold, blind and attended transfer,
three-way call, emergency hand-off, leave, hang up.

Commands arrive from the API through the Redis command channel (calls.commands) and are
answered with {"ok", "status", "detail", "data"}; what they do to the conversation is
ivr.talk's (R-04, R-06).
"""
from __future__ import annotations

import logging
import time
from typing import Any

from acd.queues import is_queue
from calls.commands import Command
from core.dialling import caller_id, outside_number_allowed
from ivr.ari import AriError
from ivr.call_context import CallContext

log = logging.getLogger(__name__)
EMERGENCY_SERVICES = ("110", "119", "120", "122")
SUPERVISOR_ROLES = ("supervisor", "admin")


def _ok(**data: Any) -> dict:
    return {"ok": True, "status": 200, "data": data}


def _fail(status: int, detail: str) -> dict:
    return {"ok": False, "status": status, "detail": detail}


class CallControl:
    """Runs one command at a time for the call (its task calls on_command)."""

    def __init__(self, call: CallContext) -> None:
        self.call, self.ports, self.talk = call, call.ports, call.talk

    async def on_command(self, command: Command) -> None:
        handler = getattr(self, f"cmd_{command.action}", None)
        if handler is None:
            command.reply.set_result(_fail(422, f"unknown action {command.action}"))
            return
        controller = self.call.agent.user_id if self.call.agent else None
        if command.actor_role not in SUPERVISOR_ROLES and command.actor_id != controller:
            command.reply.set_result(_fail(403, "只有当前通话的坐席可以操作 (not your call)"))
            return
        try:
            result = await handler(command)
        except AriError as exc:
            log.warning("call command failed", extra={"call_id": self.call.call_id, "action": command.action,
                                                      "error": str(exc)})
            result = _fail(409 if exc.status in (404, 409, 422) else 502, f"Asterisk: {exc.message}")
        except Exception:  # a bug in one command must not end the caller's call
            log.exception("call command crashed", extra={"call_id": self.call.call_id, "action": command.action})
            result = _fail(500, "call control failed")
        if not command.reply.done():
            command.reply.set_result(result)

    async def cmd_hold(self, command: Command) -> dict:
        if self.call.held:
            return _fail(409, "已在保持中 (already on hold)")
        await self.talk.hold_caller(True)
        await self.talk.action("held", actor_id=command.actor_id)
        return _ok(held=True)

    async def cmd_unhold(self, command: Command) -> dict:
        if not self.call.held or self.call.legs.pending("consult"):
            return _fail(409, "未在保持中 (not on hold)")
        await self.talk.hold_caller(False)
        await self.talk.action("unheld", actor_id=command.actor_id)
        return _ok(held=False)

    # a supervisor's monitor (listen / whisper / barge): ivr.monitor
    async def cmd_monitor(self, command: Command) -> dict:
        return await self.call.monitor.start(command)

    async def cmd_monitor_mode(self, command: Command) -> dict:
        return await self.call.monitor.change(command)

    async def cmd_monitor_stop(self, command: Command) -> dict:
        return await self.call.monitor.stop(command)

    async def cmd_hangup(self, command: Command) -> dict:
        self.call.ended_by = "agent"
        await self.ports.telephony.hangup(self.call.caller)
        return _ok()

    async def cmd_leave(self, command: Command) -> dict:
        if self.call.agent is None or not self.call.live_parties():
            return _fail(409, "通话中没有其他方，不能离开 (no other party would stay with the caller)")
        await self.ports.telephony.hangup(self.call.agent.channel_id)
        return _ok()

    async def resolve_seat(self, extension: str) -> tuple[str, int | None] | dict:
        """(endpoint, user id) of a seat to dial, or a failure reply."""
        endpoint = await self.ports.seats.endpoint_for(extension)
        if endpoint is None:
            return _fail(409, f"分机 {extension} 未注册 (extension not registered)")
        user_id = await self.ports.seats.user_for_extension(extension)
        if user_id is not None and user_id == (self.call.agent.user_id if self.call.agent else None):
            return _fail(409, "不能转给自己 (cannot transfer to yourself)")
        if user_id is not None:
            seized = await self.ports.acd.seize(user_id=user_id, call_id=self.call.call_id, now=time.time())
            if seized == 0:
                return _fail(409, f"坐席 {extension} 正忙 (seat busy)")
            if seized == 1:
                await self.ports.publisher.agent_changed(user_id)
        return endpoint, user_id

    async def cmd_transfer(self, command: Command) -> dict:
        mode, queue, extension = (command.args.get("mode", "blind"), command.args.get("queue"),
                                  command.args.get("extension"))
        if self.call.legs.pending("xfer", "consult"):
            return _fail(409, "已有转接在进行 (a transfer is in progress)")
        if queue:
            if not is_queue(queue) or mode != "blind":
                return _fail(422, f"unknown queue {queue} (or attended transfer to a queue)")
            return await self.transfer_to_queue(command, queue)
        seat = await self.resolve_seat(str(extension))
        if isinstance(seat, dict):
            return seat
        endpoint, user_id = seat
        kind = "xfer" if mode == "blind" else "consult"
        await self.talk.hold_caller(True)  # music for the caller while the target rings
        try:
            leg = await self.talk.dial_leg(kind, str(extension), endpoint, user_id=user_id)
        except AriError:
            await self.talk.hold_caller(False)
            if user_id:
                await self.ports.acd.release_seized(user_id, self.call.call_id, time.time())
            raise
        await self.talk.action("transfer_started", actor_id=command.actor_id, target=str(extension), mode=mode)
        if mode == "blind" and self.call.agent is not None:
            await self.ports.telephony.hangup(self.call.agent.channel_id)  # the agent's part is done
        return _ok(leg=leg.channel_id, mode=mode)

    async def transfer_to_queue(self, command: Command, queue: str) -> dict:
        await self.talk.action("transfer_started", actor_id=command.actor_id, target=queue, mode="blind")
        agent = self.call.agent
        if agent is not None:  # the agent's part is done: wrap-up, then hang up their leg
            agent.gone = True
            self.call.legs.drop(agent)
            await self.talk.release_leg_agent(agent)
            await self.ports.telephony.hangup(agent.channel_id)
        await self.talk.requeue(queue, reason="transfer")
        return _ok(queue=queue)

    async def cmd_transfer_complete(self, command: Command) -> dict:
        consult = self.call.legs.pending("consult")
        if consult is None or not consult.answered:
            return _fail(409, "没有已接通的咨询转接 (no answered consultation)")
        await self.talk.complete_transfer(consult, hung_up=False)
        return _ok(extension=consult.target)

    async def cmd_transfer_cancel(self, command: Command) -> dict:
        consult = self.call.legs.pending("consult")
        if consult is None:
            return _fail(409, "没有进行中的咨询转接 (no consultation)")
        await self.ports.telephony.hangup(consult.channel_id)  # leg_gone brings the agent back
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
            if not outside_number_allowed(str(number), self.ports.policy.outside_numbers):
                return _fail(422, "该号码不允许外呼 (number not on the allow-list)")
            endpoint, user_id, target = f"PJSIP/{number}@pstn", None, str(number)
        else:
            return _fail(422, "extension or number required")
        # an outside party sees the hotline's number, never the citizen's
        shown = caller_id(self.ports.policy.outbound_caller_id) if number and not extension else None
        leg = await self.talk.dial_leg("party", target, endpoint, user_id=user_id, caller_id=shown)
        await self.talk.action("party_dialled", actor_id=command.actor_id, target=target)
        return _ok(leg=leg.channel_id)

    async def cmd_emergency(self, command: Command) -> dict:
        service = str(command.args.get("service"))
        if service not in EMERGENCY_SERVICES:
            return _fail(422, "service must be 110, 119, 120 or 122")
        if self.call.legs.pending("emer"):
            return _fail(409, "紧急转接已在进行 (emergency hand-off in progress)")
        # the centre sees the caller's number, so it can call back
        leg = await self.talk.dial_leg("emer", service, f"PJSIP/{service}@emergency", timeout=60)
        await self.talk.action("emergency", actor_id=command.actor_id, target=service, phase="dialling")
        return _ok(leg=leg.channel_id, service=service)
