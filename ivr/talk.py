"""The bridged phase of a call: the conversation's legs (agent, transfer targets, parties,
emergency centres) answering and hanging up, hold, and the way back to a queue. The agent's
commands are ivr.control's; every action is written to call_events and published as a
`call.<action>` event (R-04, R-06)."""
from __future__ import annotations

import time
from typing import Any

from acd.queues import GENERAL
from calls.commands import Command
from calls.events import CallAction
from ivr import lifecycle
from ivr.ari import AriError
from ivr.call_context import CallContext
from ivr.call_types import HANGUP_EVENTS, Leg, leg_id
from ivr.lifecycle import Phase

TRANSFER_RING_SECONDS = 30


class Talk:
    """The `bridged` phase of a call (its state is the call's)."""

    def __init__(self, call: CallContext) -> None:
        self.call, self.ports = call, call.ports

    async def run(self) -> bool:
        """Run the conversation; False when the call is over, True when it goes back to a queue."""
        call = self.call
        while call.phase == Phase.BRIDGED:
            message = await call.next()
            if isinstance(message, Command):
                await call.control.on_command(message)
            elif isinstance(message, dict):
                leg = call.legs.get(message.get("channel", {}).get("id"))
                if leg is None:
                    continue
                if message["type"] == "StasisStart" and not leg.answered:
                    await self.leg_answered(leg)
                elif message["type"] in HANGUP_EVENTS and not leg.gone and await self.leg_gone(leg) == "end":
                    return False
        return call.phase in lifecycle.WAITING

    async def action(self, name: str, *, actor_id: int | None = None, target: str | None = None,
                     **detail: Any) -> None:
        """Record and publish one action on the call."""
        call = self.call
        call.record(event=name, actor_id=actor_id, detail={"target": target, **detail})
        await self.ports.publisher.calls.call_action(
            CallAction(call_id=call.call_id, action=name, actor_id=actor_id, target=target, detail=detail),
            agent_id=call.agent.user_id if call.agent else actor_id, region_code=call.region_code)

    async def hold_caller(self, on: bool) -> None:
        if self.call.held == on:
            return
        self.call.held = on
        await self.call.transition(lifecycle.Held(on))

    # ---------------------------------------------------------------- legs
    async def dial_leg(self, kind: str, target: str, endpoint: str, *, user_id: int | None = None,
                       caller_id: str | None = None, timeout: int = TRANSFER_RING_SECONDS) -> Leg:
        call = self.call
        leg = Leg(leg_id(call.call_id, kind, target), kind, target, user_id)
        call.legs.add(leg)
        try:
            await self.ports.telephony.originate(leg_id=leg.channel_id, endpoint=endpoint, app=call.app,
                                                 app_args=f"{kind},{call.call_id}",
                                                 caller_id=caller_id or call.caller_id(), timeout=timeout)
        except AriError:
            call.legs.drop(leg)
            raise
        return leg

    async def leg_answered(self, leg: Leg) -> None:
        call, telephony = self.call, self.ports.telephony
        leg.answered = True
        if leg.kind == "xfer":
            await self.hold_caller(False)
            await telephony.add(call.bridge_id, leg.channel_id)
            await self.take_over(leg)
            await self.action("transferred", target=leg.target, mode="blind")
        elif leg.kind == "consult":
            consult = f"consult-{call.call_id}"
            await telephony.bridge(consult, f"consultation {call.call_id}")
            self.ports.registry.add_bridge(consult, call)
            if call.agent is not None:
                await telephony.add(consult, call.agent.channel_id, leg.channel_id)
            await self.action("transfer_started", target=leg.target, mode="attended", phase="consulting")
        elif leg.kind in ("party", "emer"):
            await self.party_joined(leg)

    async def party_joined(self, leg: Leg) -> None:
        call = self.call
        await self.ports.telephony.add(call.bridge_id, leg.channel_id)
        if leg.kind == "emer":
            call.emergency = leg.target
            call.record(emergency_service=leg.target)
            await self.action("emergency", target=leg.target, phase="connected")
        else:
            await self.action("party_added", target=leg.target)
        if leg.user_id:
            await self.ports.acd.answered(call_id=call.call_id, user_id=leg.user_id, now=time.time())
            await self.ports.publisher.agent_changed(leg.user_id)

    async def take_over(self, leg: Leg) -> None:
        """A transfer target becomes the agent of the call."""
        call = self.call
        call.agent, call.transferred = leg, True
        await call.monitor.follow()  # a whispering supervisor now whispers to the new agent
        if leg.user_id:
            await self.ports.acd.answered(call_id=call.call_id, user_id=leg.user_id, now=time.time())
            await self.ports.publisher.agent_changed(leg.user_id)

    async def release_leg_agent(self, leg: Leg) -> None:
        call, acd = self.call, self.ports.acd
        if leg.user_id is None:
            return
        now = time.time()
        if leg.answered:
            await acd.call_ended(leg.user_id, call.call_id, now, self.ports.policy.wrap_up_seconds)
        elif leg.kind == "agent":
            await acd.offer_failed(call_id=call.call_id, user_id=leg.user_id, now=now, outcome="cancelled")
        else:
            await acd.release_seized(leg.user_id, call.call_id, now)
        await self.ports.publisher.agent_changed(leg.user_id)

    async def leg_gone(self, leg: Leg) -> str:
        """A leg hung up: 'end' when nobody is left with the caller, else 'go on'."""
        call = self.call
        leg.gone = True
        call.legs.drop(leg)
        await self.release_leg_agent(leg)
        if leg is call.agent:
            return await self.agent_gone(leg)
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
        if call.agent is None and not call.live_parties() and not call.legs.pending("xfer", "consult"):
            call.ended_by = "system"
            return "end"
        return "go on"

    async def agent_gone(self, leg: Leg) -> str:
        """The controlling agent hung up: a transfer they started goes on, else the parties stay."""
        call = self.call
        call.agent = None
        consult = call.legs.pending("consult")
        if consult is not None and consult.answered:
            return await self.complete_transfer(consult, hung_up=True)
        if consult is not None:  # the agent gave up before the target answered
            await self.ports.telephony.hangup(consult.channel_id)
        if call.legs.pending("xfer"):
            return "go on"  # blind transfer still ringing; the caller hears music
        if call.live_parties():
            await self.action("agent_left", actor_id=leg.user_id, target=leg.target)
            return "go on"
        call.ended_by = "agent"
        return "end"

    # ---------------------------------------------------------------- transfers
    async def complete_transfer(self, consult: Leg, *, hung_up: bool) -> str:
        call, telephony = self.call, self.ports.telephony
        consult.kind = "xfer"
        previous = call.agent
        await telephony.add(call.bridge_id, consult.channel_id)
        await telephony.destroy(f"consult-{call.call_id}")
        self.ports.registry.drop_bridge(f"consult-{call.call_id}")
        await self.hold_caller(False)
        await self.take_over(consult)
        await self.action("transferred", target=consult.target, mode="attended")
        if previous is not None and not hung_up:
            await telephony.hangup(previous.channel_id)
        return "go on"

    async def back_from_consultation(self) -> None:
        call, telephony = self.call, self.ports.telephony
        consult = f"consult-{call.call_id}"
        if call.agent is not None and not call.agent.gone:
            await telephony.add(call.bridge_id, call.agent.channel_id)
        await telephony.destroy(consult)
        self.ports.registry.drop_bridge(consult)
        await self.hold_caller(False)

    async def requeue(self, queue: str, *, reason: str) -> str:
        """Send the caller back to a queue, ahead of the others (urgent)."""
        call = self.call
        call.queue, call.urgent, call.agent = queue, True, None
        await self.hold_caller(False)  # while still bridged: hold is a conversation's
        await call.transition(lifecycle.Requeued(queue, reason))  # the notice, then back into the ACD
        return "requeue"
