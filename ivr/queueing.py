"""The queue phase of a call: into the ACD, music and position announcements, offers to
agents (ring, ring timeout, answer), and the bridge with the agent that answers (recorded)."""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from acd import states
from acd.dispatcher import Offer
from acd.store import AgentRecord, QueuedCall
from calls.events import CallAnswered, CallOffered, CallQueued
from calls.regions import region_at_answer
from core.masking import mask_phone
from core.timeutil import utcnow
from ivr import lifecycle
from ivr.ari import AriError
from ivr.call_context import CallContext
from ivr.call_types import HANGUP_EVENTS, CallerGone, Leg, leg_id
from ivr.lifecycle import Phase
from ivr.prompt_texts import queue_position_text

log = logging.getLogger(__name__)
RING_BACKSTOP = 5.0  # seconds after the originate timeout we stop waiting for Asterisk
# The queue entry's announcement (position lookup, call.queued event) starts this long after
# the entry: the ACD's first offer for the call (queue entry -> the agent's phone rings) does
# not share the worker with it. The wallboard sees the call this much later.
ANNOUNCE_DELAY = 0.05


def _retrieved(task: asyncio.Task) -> None:
    """A music request nobody waits for any more (the caller left) fails quietly."""
    if not task.cancelled():
        task.exception()


class Queueing:
    """The `queued` and `ringing` phases of a call (its state is the call's)."""

    def __init__(self, call: CallContext) -> None:
        self.call, self.ports = call, call.ports
        self._music: asyncio.Task | None = None  # the caller's music request still in flight
        self._just_entered = False  # enqueue() put the call in the ACD: wait() need not look

    async def music(self, on: bool) -> None:
        """Music on or off for the caller, after the request made before (kept in order)."""
        await self.music_settled()
        await self.ports.telephony.moh(self.call.caller, on)

    def music_soon(self, on: bool) -> None:
        """Ask for the music without waiting for Asterisk's answer (the ACD's offer does not
        wait for it); the next music request or the bridge waits for it first."""
        previous = self._music

        async def request() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await self.ports.telephony.moh(self.call.caller, on)

        self._music = asyncio.create_task(request(), name=f"moh-{self.call.call_id}")
        self._music.add_done_callback(_retrieved)

    async def music_settled(self) -> None:
        task, self._music = self._music, None
        if task is not None:
            try:
                await task
            except (AriError, httpx.HTTPError) as exc:  # the caller left meanwhile, or Asterisk did
                log.info("music request failed", extra={"call_id": self.call.call_id, "error": str(exc)})

    async def enqueue(self, *, fresh: bool) -> None:
        """Into the ACD first (offered at once if an agent is free), then the record and the events.
        A new call wakes only this worker's dispatcher: the others never offer a call they do
        not serve, and a new call is the last of its queue. A call back in the queue (transfer,
        failed transfer) keeps its place ahead of others: every dispatcher is told."""
        call, acd = self.call, self.ports.acd
        if call.entered_at is None:
            call.entered_at = time.time()
        await self.ports.enter_acd(self.acd_entry())
        self._just_entered = True
        if not fresh:
            await acd.wake("queued")
        fields: dict[str, Any] = {"phase": call.phase.value, "queue": call.queue, "urgent": call.urgent}
        if fresh:
            fields["entered_queue_at"] = datetime.fromtimestamp(call.entered_at, UTC)
        call.record(event="queued" if fresh else None, detail={"queue": call.queue, "urgent": call.urgent}, **fields)
        self.ports.background.run(self.announce_queued(delay=ANNOUNCE_DELAY))

    def acd_entry(self) -> QueuedCall:
        call = self.call
        return QueuedCall(call_id=call.call_id, queue=call.queue or "general", entered_at=call.entered_at,
                          app=call.app, caller_number=call.caller_number, urgent=call.urgent,
                          menu_choice=call.menu_choice or "")

    async def reenter_acd(self) -> None:
        """Back into the ACD's shared state with the entry time we know (see acd.dispatcher)."""
        await self.ports.acd.enqueue(self.acd_entry())

    async def announce_queued(self, delay: float = 0.0) -> None:
        call, publisher = self.call, self.ports.publisher
        if delay:
            await asyncio.sleep(delay)  # off the first offer's path (ANNOUNCE_DELAY)
        position = await publisher.queue_position(call.call_id)
        await publisher.calls.call_queued(CallQueued(
            call_id=call.call_id, queue=call.queue or "general", urgent=call.urgent, position=position,
            caller_masked=mask_phone(call.caller_number)), region_code=call.region_code)
        publisher.queue_stats_changed()

    async def wait(self) -> None:
        """Music, periodic position, and offers from the dispatcher until an agent answers."""
        call = self.call
        await self.take_place()
        self.music_soon(True)
        loop = asyncio.get_running_loop()
        every = self.ports.policy.announce_every
        next_announce = loop.time() + every
        announcing: str | None = None
        while call.phase in lifecycle.WAITING:
            message = await call.next(max(0.0, next_announce - loop.time()))
            if message is None:
                announcing = await self.announce_position()
                next_announce = loop.time() + every
            elif isinstance(message, Offer):
                if await self.ring(message.agent):
                    return
                await self.music(True)
            elif isinstance(message, dict) and message.get("type") == "PlaybackFinished" \
                    and message["playback"]["id"] == announcing:
                announcing = None
                self.ports.registry.drop_playback(message["playback"]["id"])
                await self.music(True)

    async def take_place(self) -> None:
        """The caller's place in the ACD: entered now, or the one it already has. Right after
        enqueue() it is known (no look-up: the ACD's offer may be waiting in the inbox already)."""
        call = self.call
        if self._just_entered:
            self._just_entered = False
            return
        queued = await self.ports.acd.get_call(call.call_id)
        if call.phase == Phase.QUEUED and not queued:
            await self.enqueue(fresh=call.entered_at is None)
        elif queued and call.entered_at is None:
            # adopted from a worker that died after putting the call in the ACD but before its
            # record was written: the ACD's entry time is the truth, record it now
            call.entered_at = queued.entered_at
            call.record(phase=Phase.QUEUED.value, queue=call.queue,
                        entered_queue_at=datetime.fromtimestamp(call.entered_at, UTC))

    async def announce_position(self) -> str | None:
        call, telephony = self.call, self.ports.telephony
        position = await self.ports.publisher.queue_position(call.call_id)
        if position is None:
            return None
        call.record(event="position_announced", detail={"position": position})
        media = await self.ports.prompts.speak(queue_position_text(position - 1))
        playback = f"pb-{call.call_id}-{secrets.token_hex(4)}"
        self.ports.registry.add_playback(playback, call)
        await self.music(False)
        try:
            await telephony.play(call.caller, [media], playback)
        except AriError:
            await self.music(True)
            return None
        return playback

    # ---------------------------------------------------------------- offers
    async def ring(self, agent: AgentRecord) -> bool:
        """Ring the offered agent; True once they answered and are bridged with the caller."""
        call, ports = self.call, self.ports
        endpoint = await ports.seats.endpoint_for(agent.extension)
        now = time.time()
        if endpoint is None:
            await self.unreachable(agent, now)
            return False
        leg = Leg(leg_id(call.call_id, "agent", agent.extension), "agent", agent.extension, agent.user_id)
        call.legs.add(leg)
        await call.transition(lifecycle.Offered())
        try:  # the phone rings first; records and events follow
            await ports.telephony.originate(leg_id=leg.channel_id, endpoint=endpoint, app=call.app,
                                            app_args=f"agent,{call.call_id}", caller_id=call.caller_id(),
                                            timeout=ports.policy.ring_timeout)
        except AriError as exc:
            log.warning("agent originate failed", extra={"call_id": call.call_id, "error": str(exc)})
            return await self.offer_lost(leg, "unreachable", states.NO_DEVICE_REASON)
        call.record(phase=call.phase.value, event="offered",
                    detail={"agent_id": agent.user_id, "extension": agent.extension, "endpoint": endpoint})
        ports.background.run(ports.publisher.calls.call_offered(CallOffered(
            call_id=call.call_id, agent_id=agent.user_id, extension=agent.extension, queue=call.queue or "general",
            caller_number=call.caller_number, waited_seconds=round(now - (call.entered_at or now), 3)),
            region_code=call.region_code))
        ports.background.run(ports.publisher.agent_changed(agent.user_id))
        return await self.ringing(leg)

    async def unreachable(self, agent: AgentRecord, now: float) -> None:
        """The offered agent has no registered phone: the offer fails at once."""
        await self.ports.acd.offer_failed(call_id=self.call.call_id, user_id=agent.user_id, now=now,
                                          outcome="unreachable", reason=states.NO_DEVICE_REASON)
        self.call.record(event="offer_unreachable", detail={"agent_id": agent.user_id, "extension": agent.extension})
        await self.ports.publisher.agent_changed(agent.user_id)
        await self.ports.acd.wake("offer failed")

    async def ringing(self, leg: Leg) -> bool:
        """Until the agent's leg answers or gives up (or Asterisk never says, the backstop)."""
        call = self.call
        while True:
            message = await call.next(self.ports.policy.ring_timeout + RING_BACKSTOP)
            if message is None:
                await self.ports.telephony.hangup(leg.channel_id)
                return await self.offer_lost(leg, "no_answer", states.NO_ANSWER_REASON)
            if not isinstance(message, dict) or message.get("channel", {}).get("id") != leg.channel_id:
                if isinstance(message, Offer):  # cannot happen (call is offered); release it
                    await call.cancel_offer(message)
                continue
            if message["type"] == "StasisStart":
                return await self.agent_answered(leg)
            if message["type"] in HANGUP_EVENTS:
                return await self.offer_lost(leg, "no_answer", states.NO_ANSWER_REASON)

    async def offer_lost(self, leg: Leg, outcome: str, reason: str) -> bool:
        call, acd = self.call, self.ports.acd
        leg.gone = True
        call.legs.drop(leg)
        await acd.offer_failed(call_id=call.call_id, user_id=leg.user_id, now=time.time(), outcome=outcome,
                               reason=reason)
        await call.transition(lifecycle.OfferLost(leg.user_id, leg.target, outcome))
        return False

    async def agent_answered(self, leg: Leg) -> bool:
        call = self.call
        if not await self.ports.acd.answered(call_id=call.call_id, user_id=leg.user_id, now=time.time()):
            # the offer was withdrawn meanwhile (agent logged out by a supervisor …)
            await self.ports.telephony.hangup(leg.channel_id)
            await self.back_to_queue(leg, release=False)
            return False
        leg.answered = True
        try:
            await self.connect(leg)
        except AriError as exc:
            if exc.status not in (400, 404, 409, 422):
                raise
            # one side left before the bridge was made (a very short answer, or the caller)
            if not await self.ports.telephony.exists(call.caller):
                call.caller_gone = True
                raise CallerGone() from exc
            log.warning("agent left before the bridge", extra={"call_id": call.call_id, "agent": leg.target})
            await self.back_to_queue(leg, release=True)
            return False
        return True

    async def back_to_queue(self, leg: Leg, *, release: bool) -> None:
        """The offer came to nothing: the agent is released, the caller waits again (same place)."""
        call, ports = self.call, self.ports
        leg.gone = True
        call.legs.drop(leg)
        if release:
            await ports.acd.call_ended(leg.user_id, call.call_id, time.time(), ports.policy.wrap_up_seconds)
            ports.background.run(ports.publisher.agent_changed(leg.user_id))
        await call.transition(lifecycle.OfferWithdrawn())
        if call.entered_at is None:
            call.entered_at = time.time()
        await ports.enter_acd(self.acd_entry())

    # ---------------------------------------------------------------- the agent answered
    async def connect(self, leg: Leg) -> None:
        """Bridge the caller with the agent and start recording both."""
        call, telephony = self.call, self.ports.telephony
        await self.music(False)
        if call.bridge_id is None:
            call.bridge_id = f"call-{call.call_id}"
            await telephony.bridge(call.bridge_id, f"hotline call {call.call_id}")
            self.ports.registry.add_bridge(call.bridge_id, call)
        if not call.caller_bridged:
            await telephony.add(call.bridge_id, call.caller, leg.channel_id)
            call.caller_bridged = True
            await self.start_recording()
        else:  # back from a queue after a transfer: same bridge, same recording
            await telephony.add(call.bridge_id, leg.channel_id)
        call.agent, call.answered = leg, True
        await call.transition(lifecycle.AgentAnswered())
        await self.answered(leg)
        await call.monitor.follow()  # back from a queue after a transfer: a whisper reaches the new agent

    async def start_recording(self) -> None:
        call = self.call
        call.recording_name = f"call-{call.call_id}-{int(time.time())}"
        call.recording_done = self.ports.recordings.finished_waiter(call.recording_name)
        try:
            await self.ports.telephony.record_bridge(call.bridge_id, call.recording_name)
        except AriError:
            log.exception("recording did not start", extra={"call_id": call.call_id})
            call.recording_name = None

    async def answered(self, leg: Leg) -> None:
        """The record and the events of an answered call."""
        call, ports = self.call, self.ports
        waited = time.time() - call.entered_at if call.entered_at else None
        user = await ports.seats.user_brief(leg.user_id)
        first = {} if call.answered_once else {"answered_at": utcnow(), "agent_id": leg.user_id,
                                               "extension": leg.target}
        region = region_at_answer(call.region_code, user.get("region_code"))
        if region != call.region_code:  # a call not mapped by its number becomes the answering seat's region
            call.region_code = first["region_code"] = region
        call.answered_once = True  # a second agent (after a transfer back to a queue) keeps the first's
        call.record(phase=call.phase.value, bridge_id=call.bridge_id, recording_name=call.recording_name,
                    event="answered", detail={"agent_id": leg.user_id, "extension": leg.target,
                                              "username": user.get("username")}, **first)
        ports.background.run(ports.publisher.calls.call_answered(CallAnswered(
            call_id=call.call_id, agent_id=leg.user_id, extension=leg.target, queue=call.queue,
            caller_number=call.caller_number, waited_seconds=round(waited, 3) if waited is not None else None),
            region_code=call.region_code))
        ports.background.run(ports.publisher.agent_changed(leg.user_id))
        ports.publisher.queue_stats_changed()
