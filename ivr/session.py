"""One call's life as an actor: every ARI event, ACD offer and agent command for the call
goes through its inbox and is handled by its own task, so the call's state needs no locks.

The phases and their changes are ivr.lifecycle's (ivr -> queued -> ringing -> bridged ->
ended); this module is the shell that runs them. What each phase does is delegated to a
handler: the voice menu (ivr.voice_menu), the queue (ivr.queueing), the conversation
(ivr.talk) and the agent's commands on it (ivr.control), the end (ivr.ending).
Everything outside the call comes in through its ports (ivr.ports), given when it is
built (ivr.plugin).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from acd.dispatcher import Offer
from calls.commands import DUPLICATE_REPLY, EXPIRED_REPLY, UNCLAIMED_REPLY, Command
from calls.events import CallStarted
from core.masking import mask_phone
from core.retry import at_most
from core.timeutil import utcnow
from ivr import lifecycle
from ivr.ari import AriError
from ivr.call_types import HANGUP_EVENTS, CallerGone, Leg, Resync
from ivr.control import CallControl
from ivr.ending import Ending
from ivr.lifecycle import Phase
from ivr.monitor import Monitor
from ivr.ports import CallPorts
from ivr.queueing import Queueing
from ivr.registry import Legs
from ivr.talk import Talk
from ivr.voice_menu import VoiceMenu

log = logging.getLogger(__name__)
RECORD_WRITE_ATTEMPTS = 8  # about half a minute of backoff
OPEN_RECORD_ATTEMPTS = 4  # the caller waits unanswered meanwhile
# A call's record writes start this long after the first of a burst, and the burst is one
# transaction: the menu choice's and the queue entry's writes (milliseconds of the worker's
# CPU) run neither before the ACD's claim nor between the claim and the agent's originate.
# Until they land, the screen pop reads the menu choice from the ACD's entry (acd.store).
RECORD_DELAY = 0.02


class CallSession:
    def __init__(self, ports: CallPorts, app: str, *, call_id: int | None, caller: str, caller_number: str,
                 phase: Phase = Phase.IVR, started_at=None, opening: dict[str, Any] | None = None,
                 region_code: str | None = None) -> None:
        self.ports, self.app = ports, app
        self.region_code = region_code  # the call's region (calls.regions): scopes its events
        self.call_id, self.caller, self.caller_number = call_id, caller, caller_number
        self.opening = opening  # a new call: the fields of its record, written by its own task
        self._phase = Phase(phase)
        self.started_at = started_at or utcnow()
        self.inbox: asyncio.Queue = asyncio.Queue()
        self._writes: asyncio.Queue = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self.legs = Legs(ports.registry, self)
        self.queue: str | None = None
        self.menu_choice: str | None = None
        self.urgent = False
        self.entered_at: float | None = None
        self.agent: Leg | None = None  # the agent (or transfer target) controlling the call
        self.bridge_id: str | None = None
        self.caller_bridged = False  # the caller is in the call's bridge (stays there when requeued)
        self.recording_name: str | None = None
        self.recording_done: asyncio.Future | None = None  # RecordingFinished of our recording
        self.answered = False
        self.answered_once = False
        self.transferred = False
        self.emergency: str | None = None
        self.held = False
        self.caller_gone = False
        self.ended_by = "caller"
        self.task: asyncio.Task | None = None
        # what each phase does; they share this call's state and ports
        self.menu, self.queueing, self.talk = VoiceMenu(self), Queueing(self), Talk(self)
        self.control, self.ending = CallControl(self), Ending(self)
        self.monitor = Monitor(self)  # a supervisor listening, whispering or barging in

    # ---------------------------------------------------------------- the life cycle
    @property
    def phase(self) -> Phase:
        """Read by the call's handlers and the ACD dispatcher; changed only by transition()."""
        return self._phase

    async def transition(self, event: lifecycle.Event) -> None:
        """The one place the phase changes; the commands of the change run in order."""
        self._phase, commands = lifecycle.step(self._phase, event)
        for command in commands:
            await self.execute(command)

    async def execute(self, command: lifecycle.Command) -> None:
        ports = self.ports
        match command:
            case lifecycle.Record(fields):
                self.record(**fields)
            case lifecycle.Music(on):
                await ports.telephony.moh(self.caller, on)
            case lifecycle.MuteCaller(on):
                await ports.telephony.mute_in(self.caller, on)
            case lifecycle.AnswerCaller():
                await ports.telephony.answer(self.caller)
            case lifecycle.NotifyStarted():
                await ports.publisher.calls.call_started(CallStarted(
                    call_id=self.call_id, caller_masked=mask_phone(self.caller_number)), region_code=self.region_code)
            case lifecycle.PlayNotice(key):
                with contextlib.suppress(AriError):
                    await self.menu.play_and_collect(self.menu.notice(key))
            case lifecycle.Enqueue(fresh):
                await self.queueing.enqueue(fresh=fresh)
            case lifecycle.AnnounceQueued():
                await self.queueing.announce_queued()
            case lifecycle.AgentChanged(user_id):
                await ports.publisher.agent_changed(user_id)
            case lifecycle.WakeDispatchers(reason):
                await ports.acd.wake(reason)

    # ---------------------------------------------------------------- plumbing
    def post(self, message: Any) -> None:
        self.inbox.put_nowait(message)

    def record(self, **fields: Any) -> None:
        """Write to the call's record off the critical path: the call's own writer task applies
        the writes in order (fields, and `event`/`detail`/`actor_id` for a call event)."""
        self._writes.put_nowait(fields)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_records())

    async def _write_records(self) -> None:
        await asyncio.sleep(RECORD_DELAY)  # off the ring path (RECORD_DELAY)
        while not self._writes.empty():
            writes = []
            while not self._writes.empty():  # what piled up meanwhile: one transaction
                writes.append(self._writes.get_nowait())
            # a database blip delays the writes; only a batch failing for half a minute is lost (logged)
            await at_most(RECORD_WRITE_ATTEMPTS,
                          lambda writes=writes: self.ports.records.update_many(self.call_id, writes),
                          what="call record write", context={"call_id": self.call_id})

    async def flush_records(self) -> None:
        while self._writer is not None and not self._writer.done():
            await self._writer

    def start(self, *, fresh: bool) -> None:
        self.task = asyncio.create_task(self.run(fresh=fresh), name=f"call-{self.call_id or self.caller}")
        self.task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        """A call's task never fails silently: what escaped it is logged with the call."""
        if not task.cancelled() and task.exception() is not None:
            log.error("call task failed", extra={"call_id": self.call_id, "channel": self.caller},
                      exc_info=task.exception())

    def is_caller_hangup(self, message: Any) -> bool:
        return (isinstance(message, dict) and message.get("type") in HANGUP_EVENTS
                and message.get("channel", {}).get("id") == self.caller)

    async def next(self, timeout: float | None = None) -> Any:
        """The next message for the current phase; None on timeout. Raises CallerGone."""
        while True:
            try:
                message = await asyncio.wait_for(self.inbox.get(), timeout) if timeout is not None \
                    else await self.inbox.get()
            except TimeoutError:
                return None
            if self.is_caller_hangup(message):
                self.caller_gone = True
                raise CallerGone()
            if self.monitor.owns(message):  # in every phase: the supervisor's leg and snoops
                await self.monitor.on_event(message)
                continue
            if isinstance(message, dict) and message.get("type") in HANGUP_EVENTS:
                leg = self.legs.get(message.get("channel", {}).get("id"))
                if leg is not None and leg.gone:
                    continue  # the second and third event of one hang-up
            if isinstance(message, Offer) and self.phase != Phase.QUEUED:
                await self.cancel_offer(message)
                continue
            if isinstance(message, Command) and not await self.admit(message):
                continue
            if isinstance(message, Command) and self.phase != Phase.BRIDGED:
                await self.command_outside_talk(message)
                continue
            if isinstance(message, Resync):
                await self.on_resync(message)
                continue
            return message

    async def cancel_offer(self, offer: Offer) -> None:
        await self.ports.acd.offer_failed(call_id=self.call_id, user_id=offer.agent.user_id, now=time.time(),
                                          outcome="cancelled")

    async def admit(self, command: Command) -> bool:
        """A command runs at most once, and never after the API answered for it (R-05): an
        expired one is dropped, and its id is claimed right before it runs."""
        if command.expired():
            log.info("expired command dropped", extra={"call_id": self.call_id, "action": command.action})
            command.answer(EXPIRED_REPLY)
            return False
        if command.claim is None:
            return True
        try:
            outcome = await command.claim()
        except Exception:  # Redis away: the command is not run (the API answers 503)
            log.warning("command not claimed", extra={"call_id": self.call_id}, exc_info=True)
            command.answer(UNCLAIMED_REPLY)
            return False
        if outcome == "run":
            return True
        command.answer(DUPLICATE_REPLY if outcome == "running" else EXPIRED_REPLY)
        return False

    async def command_outside_talk(self, command: Command) -> None:
        """Before an agent is on the call only a supervisor's hang-up (or changing or ending a
        monitor that outlived the conversation) makes sense."""
        if command.action in ("monitor_mode", "monitor_stop"):
            await self.control.on_command(command)
        elif command.action != "hangup":
            command.reply.set_result({"ok": False, "status": 409,
                                      "detail": f"通话当前不在通话中 (call is {self.phase})"})
        elif command.actor_role not in ("supervisor", "admin"):
            command.reply.set_result({"ok": False, "status": 403, "detail": "not your call"})
        else:
            self.ended_by = "agent"
            await self.ports.telephony.hangup(self.caller)
            command.reply.set_result({"ok": True, "status": 200, "data": {}})

    # ---------------------------------------------------------------- the whole call
    async def run(self, *, fresh: bool) -> None:
        """The whole call. Cancelled (worker stopping, app taken over): leave Asterisk as it is."""
        if self.call_id is None and not await self.open_record():
            return
        self.ports.registry.add_call(self)
        try:
            await self.flow(fresh)
            await self.ending.finish()
        finally:
            self.ports.registry.remove_call(self)
            await self.drain()

    async def open_record(self) -> bool:
        """A new call's record, written here rather than by the ARI event pump (which must never
        wait for the database): events of the call meanwhile wait in its inbox."""
        call = await at_most(OPEN_RECORD_ATTEMPTS, lambda: self.ports.records.create(**self.opening),
                             what="open the call record", context={"channel": self.caller})
        if call is None:  # logged: without a record the call cannot be served
            self.ports.registry.drop_channel(self.caller)
            await self.ports.telephony.hangup(self.caller)
            return False
        self.call_id, self.started_at = call.id, call.started_at
        log.info("call started", extra={"call_id": call.id, "app": self.app})
        return True

    async def drain(self) -> None:
        """Nobody reads the inbox any more: answer what is still in it."""
        while not self.inbox.empty():
            message = self.inbox.get_nowait()
            if isinstance(message, Command) and not message.reply.done():
                message.reply.set_result({"ok": False, "status": 409, "detail": "通话已结束 (call ended)"})
            elif isinstance(message, Offer):
                await self.cancel_offer(message)

    async def flow(self, fresh: bool) -> None:
        try:
            if fresh:
                await self.begin()
            while not self.caller_gone:
                if self.phase == Phase.IVR:
                    await self.menu.run()
                elif self.phase in lifecycle.WAITING:
                    await self.queueing.wait()
                elif self.phase != Phase.BRIDGED or not await self.talk.run():
                    break
        except CallerGone:
            self.ended_by = "caller"
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call flow failed", extra={"call_id": self.call_id})
            self.ended_by = "system"

    async def begin(self) -> None:
        await self.transition(lifecycle.Answered())
        notice = await self.ports.telephony.variable(self.caller, "HOTLINE_NOTICE")
        if notice == "warned":
            self.record(event="caller_warned")
            await self.menu.play_and_collect(self.menu.notice("caller_warned"))

    async def reenter_acd(self) -> None:
        """Back into the ACD's shared state with the entry time we know (see acd.dispatcher)."""
        await self.queueing.reenter_acd()

    def live_parties(self) -> list[Leg]:
        """Answered legs other than the controlling agent that are still up."""
        return self.legs.live_parties(self.agent)

    def caller_id(self) -> str:
        return f'"{self.caller_number}" <{self.caller_number}>'

    # ---------------------------------------------------------------- re-sync
    async def on_resync(self, resync: Resync) -> None:
        """After a reconnect: legs that vanished while we were away are treated as hung up."""
        if self.caller not in resync.channels:
            self.caller_gone = True
            raise CallerGone()
        for leg in self.legs:
            if leg.channel_id not in resync.channels and not leg.gone:
                self.post({"type": "ChannelDestroyed", "channel": {"id": leg.channel_id}, "synthetic": True})
            elif leg.channel_id in resync.channels and not leg.answered \
                    and resync.channels[leg.channel_id].get("dialplan", {}).get("app_name") == "Stasis":
                self.post({"type": "StasisStart", "channel": resync.channels[leg.channel_id],
                           "args": [leg.kind, str(self.call_id)], "synthetic": True})
