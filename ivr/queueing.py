"""The queue phase of a call: into the ACD, music and position announcements, offers to
agents (ring, ring timeout, answer), and the bridge with the agent that answers (recorded)."""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from acd import states
from acd.store import AgentRecord, QueuedCall
from calls.regions import region_at_answer
from core.masking import mask_phone
from core.timeutil import utcnow
from ivr.ari import AriError
from ivr.call_types import HANGUP_EVENTS, CallerGone, Leg, Offer, leg_id
from ivr.messages import CallAnswered, CallOffered, CallQueued
from ivr.prompt_texts import queue_position_text

log = logging.getLogger(__name__)
RING_BACKSTOP = 5.0  # seconds after the originate timeout we stop waiting for Asterisk


class QueueMixin:
    """Mixed into ivr.session.CallSession (uses its attributes and helpers)."""

    async def enqueue(self, *, fresh: bool) -> None:
        """Into the ACD first (dispatchers see it at once), then the record and the events."""
        now = time.time()
        if self.entered_at is None:
            self.entered_at = now
        self.phase = "queued"
        await self.w.store.enqueue(self.acd_entry())
        self.w.dispatcher.wake()
        await self.w.store.wake("queued")
        fields: dict[str, Any] = {"phase": "queued", "queue": self.queue, "urgent": self.urgent}
        if fresh:
            fields["entered_queue_at"] = datetime.fromtimestamp(self.entered_at, UTC)
        self.record(event="queued" if fresh else None, detail={"queue": self.queue, "urgent": self.urgent},
                    **fields)
        self.w.background(self.announce_queued())

    def acd_entry(self) -> QueuedCall:
        return QueuedCall(call_id=self.call_id, queue=self.queue or "general", entered_at=self.entered_at,
                          app=self.app, caller_number=self.caller_number, urgent=self.urgent)

    async def reenter_acd(self) -> None:
        """Back into the ACD's shared state with the entry time we know (see Dispatcher)."""
        await self.w.store.enqueue(self.acd_entry())

    async def announce_queued(self) -> None:
        position = await self.w.queue_position(self.call_id)
        await self.w.notify("call.queued", CallQueued(
            call_id=self.call_id, queue=self.queue or "general", urgent=self.urgent, position=position,
            caller_masked=mask_phone(self.caller_number)), region_code=self.region_code)
        self.w.queue_stats_changed()

    async def wait_in_queue(self) -> None:
        """Music, periodic position, and offers from the dispatcher until an agent answers."""
        queued = await self.w.store.get_call(self.call_id)
        if self.phase == "queued" and not queued:
            await self.enqueue(fresh=self.entered_at is None)
        elif queued and self.entered_at is None:
            # adopted from a worker that died after putting the call in the ACD but before its
            # record was written: the ACD's entry time is the truth, record it now
            self.entered_at = queued.entered_at
            self.record(phase="queued", queue=self.queue,
                        entered_queue_at=datetime.fromtimestamp(self.entered_at, UTC))
        await self.w.calls.moh(self.caller, True)
        loop = asyncio.get_running_loop()
        every = self.w.settings.calls.queue_announce_seconds
        next_announce = loop.time() + every
        announcing: str | None = None
        while self.phase in ("queued", "ringing"):
            message = await self.next(max(0.0, next_announce - loop.time()))
            if message is None:
                announcing = await self.announce_position()
                next_announce = loop.time() + every
            elif isinstance(message, Offer):
                if await self.ring(message.agent):
                    return
                await self.w.calls.moh(self.caller, True)
            elif isinstance(message, dict) and message.get("type") == "PlaybackFinished" \
                    and message["playback"]["id"] == announcing:
                announcing = None
                self.w.unindex_playback(message["playback"]["id"])
                await self.w.calls.moh(self.caller, True)

    async def announce_position(self) -> str | None:
        position = await self.w.queue_position(self.call_id)
        if position is None:
            return None
        self.record(event="position_announced", detail={"position": position})
        media = await self.w.prompts.speak(queue_position_text(position - 1))
        playback = f"pb-{self.call_id}-{secrets.token_hex(4)}"
        self.w.index_playback(playback, self)
        await self.w.calls.moh(self.caller, False)
        try:
            await self.w.calls.play(self.caller, [media], playback)
        except AriError:
            await self.w.calls.moh(self.caller, True)
            return None
        return playback

    async def ring(self, agent: AgentRecord) -> bool:
        """Ring the offered agent; True once they answered and are bridged with the caller."""
        endpoint = await self.w.endpoint_for(agent.extension)
        now = time.time()
        if endpoint is None:
            await self.w.store.offer_failed(call_id=self.call_id, user_id=agent.user_id, now=now,
                                            outcome="unreachable", reason=states.NO_DEVICE_REASON)
            self.record(event="offer_unreachable", detail={"agent_id": agent.user_id, "extension": agent.extension})
            await self.w.agent_changed(agent.user_id)
            await self.w.store.wake("offer failed")
            return False
        leg = Leg(leg_id(self.call_id, "agent", agent.extension), "agent", agent.extension, agent.user_id)
        self.add_leg(leg)
        self.phase = "ringing"
        waited = now - (self.entered_at or now)
        timeout = self.w.settings.calls.ring_timeout_seconds
        try:  # the phone rings first; records and events follow
            await self.w.calls.originate(leg_id=leg.channel_id, endpoint=endpoint, app=self.app,
                                         app_args=f"agent,{self.call_id}", caller_id=self.caller_id(),
                                         timeout=timeout)
        except AriError as exc:
            log.warning("agent originate failed", extra={"call_id": self.call_id, "error": str(exc)})
            return await self.offer_lost(leg, "unreachable", states.NO_DEVICE_REASON)
        self.record(phase="ringing", event="offered",
                    detail={"agent_id": agent.user_id, "extension": agent.extension, "endpoint": endpoint})
        self.w.background(self.w.notify("call.offered", CallOffered(
            call_id=self.call_id, agent_id=agent.user_id, extension=agent.extension,
            queue=self.queue or "general", caller_number=self.caller_number, waited_seconds=round(waited, 3)),
            agent_id=agent.user_id, broadcast=False, region_code=self.region_code))
        self.w.background(self.w.agent_changed(agent.user_id))
        while True:
            message = await self.next(timeout + RING_BACKSTOP)
            if message is None:
                await self.w.calls.hangup(leg.channel_id)
                return await self.offer_lost(leg, "no_answer", states.NO_ANSWER_REASON)
            if not isinstance(message, dict) or message.get("channel", {}).get("id") != leg.channel_id:
                if isinstance(message, Offer):  # cannot happen (call is offered); release it
                    await self.w.store.offer_failed(call_id=self.call_id, user_id=message.agent.user_id,
                                                    now=time.time(), outcome="cancelled")
                continue
            if message["type"] == "StasisStart":
                return await self.agent_answered(leg)
            if message["type"] in HANGUP_EVENTS:
                return await self.offer_lost(leg, "no_answer", states.NO_ANSWER_REASON)

    def caller_id(self) -> str:
        return f'"{self.caller_number}" <{self.caller_number}>'

    async def offer_lost(self, leg: Leg, outcome: str, reason: str) -> bool:
        leg.gone = True
        self.drop_leg(leg)
        await self.w.store.offer_failed(call_id=self.call_id, user_id=leg.user_id, now=time.time(),
                                        outcome=outcome, reason=reason)
        self.phase = "queued"
        self.record(phase="queued", event="ring_timeout",
                    detail={"agent_id": leg.user_id, "extension": leg.target, "outcome": outcome})
        await self.w.agent_changed(leg.user_id)
        await self.announce_queued()
        await self.w.store.wake("offer failed")
        return False

    async def agent_answered(self, leg: Leg) -> bool:
        if not await self.w.store.answered(call_id=self.call_id, user_id=leg.user_id, now=time.time()):
            # the offer was withdrawn meanwhile (agent logged out by a supervisor …)
            await self.w.calls.hangup(leg.channel_id)
            await self.back_to_queue(leg, release=False)
            return False
        leg.answered = True
        try:
            await self.connect(leg)
        except AriError as exc:
            if exc.status not in (400, 404, 409, 422):
                raise
            # one side left before the bridge was made (a very short answer, or the caller)
            if not await self.w.calls.exists(self.caller):
                self.caller_gone = True
                raise CallerGone() from exc
            log.warning("agent left before the bridge", extra={"call_id": self.call_id, "agent": leg.target})
            await self.back_to_queue(leg, release=True)
            return False
        return True

    async def back_to_queue(self, leg: Leg, *, release: bool) -> None:
        """The offer came to nothing: the agent is released, the caller waits again (same place)."""
        leg.gone = True
        self.drop_leg(leg)
        if release:
            await self.w.store.call_ended(leg.user_id, self.call_id, time.time(), self.w.settings.calls.wrap_up_seconds)
            self.w.background(self.w.agent_changed(leg.user_id))
        self.phase = "queued"
        if self.entered_at is None:
            self.entered_at = time.time()
        await self.w.store.enqueue(self.acd_entry())
        self.w.dispatcher.wake()

    async def connect(self, leg: Leg) -> None:
        """Bridge the caller with the agent and start recording both."""
        await self.w.calls.moh(self.caller, False)
        if self.bridge_id is None:
            self.bridge_id = f"call-{self.call_id}"
            await self.w.calls.bridge(self.bridge_id, f"hotline call {self.call_id}")
            self.w.index_bridge(self.bridge_id, self)
        if not self.caller_bridged:
            await self.w.calls.add(self.bridge_id, self.caller, leg.channel_id)
            self.caller_bridged = True
            self.recording_name = f"call-{self.call_id}-{int(time.time())}"
            self.recording_done = self.w.recording_finished_waiter(self.recording_name)
            try:
                await self.w.calls.record_bridge(self.bridge_id, self.recording_name)
            except AriError:
                log.exception("recording did not start", extra={"call_id": self.call_id})
                self.recording_name = None
        else:  # back from a queue after a transfer: same bridge, same recording
            await self.w.calls.add(self.bridge_id, leg.channel_id)
        self.agent, self.answered, self.phase = leg, True, "bridged"
        waited = time.time() - self.entered_at if self.entered_at else None
        user = await self.w.user_brief(leg.user_id)
        first = {} if self.answered_once else {"answered_at": utcnow(), "agent_id": leg.user_id,
                                               "extension": leg.target}
        region = region_at_answer(self.region_code, user.get("region_code"))
        if region != self.region_code:  # a call not mapped by its number becomes the answering seat's region
            self.region_code = first["region_code"] = region
        self.answered_once = True  # a second agent (after a transfer back to a queue) keeps the first's
        self.record(phase="bridged", bridge_id=self.bridge_id, recording_name=self.recording_name,
                    event="answered", detail={"agent_id": leg.user_id, "extension": leg.target,
                                              "username": user.get("username")}, **first)
        self.w.background(self.w.notify("call.answered", CallAnswered(
            call_id=self.call_id, agent_id=leg.user_id, extension=leg.target, queue=self.queue,
            caller_number=self.caller_number, waited_seconds=round(waited, 3) if waited is not None else None),
            agent_id=leg.user_id, broadcast=False, region_code=self.region_code))
        self.w.background(self.w.agent_changed(leg.user_id))
        self.w.queue_stats_changed()
