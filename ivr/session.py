"""One call's life as an actor: every ARI event, ACD offer and agent command for the call
goes through its inbox and is handled by its own task, so the call's state needs no locks.

Phases: ivr (voice menu) -> queued (music, position announcements, offers to agents) ->
bridged (caller, agent and maybe more parties in one mixing bridge, recorded) -> ended.
A blind transfer to a queue, or a failed transfer, puts the call back into `queued`.
Whatever happens, `_finish` hangs up what is left, stores the recording, releases the agent
and writes the final disposition.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from acd.store import AgentRecord
from calls.disposition import final_disposition
from core.masking import mask_phone
from core.retry import at_most, until_done
from core.timeutil import utcnow
from ivr import menu
from ivr.call_types import (
    DUPLICATE_REPLY,
    EXPIRED_REPLY,
    HANGUP_EVENTS,
    UNCLAIMED_REPLY,
    CallerGone,
    Command,
    Leg,
    Offer,
    Resync,
)
from ivr.control import ControlMixin
from ivr.messages import AgentStateChanged, CallEnded, CallStarted
from ivr.prompt_texts import ticket_status_text
from ivr.queueing import QueueMixin

if TYPE_CHECKING:
    from ivr.worker import Worker

log = logging.getLogger(__name__)
RECORD_WRITE_ATTEMPTS = 8  # about half a minute of backoff
OPEN_RECORD_ATTEMPTS = 4  # the caller waits unanswered meanwhile
RECORDING_ATTEMPT_TIMEOUT = 120.0  # copy and hash of a long recording


class CallSession(QueueMixin, ControlMixin):
    def __init__(self, worker: Worker, app: str, *, call_id: int | None, caller: str, caller_number: str,
                 phase: str = "ivr", started_at=None, opening: dict[str, Any] | None = None,
                 region_code: str | None = None) -> None:
        self.w, self.app = worker, app
        self.region_code = region_code  # the call's region (calls.regions): scopes its events
        self.call_id, self.caller, self.caller_number = call_id, caller, caller_number
        self.opening = opening  # a new call: the fields of its record, written by its own task
        self.phase = phase
        self.started_at = started_at or utcnow()
        self.inbox: asyncio.Queue = asyncio.Queue()
        self._writes: asyncio.Queue = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self.legs: dict[str, Leg] = {}
        self.queue: str | None = None
        self.urgent = False
        self.entered_at: float | None = None
        self.agent: Leg | None = None  # the agent (or transfer target) controlling the call
        self.bridge_id: str | None = None
        self.caller_bridged = False  # the caller is in the call's bridge (stays there when requeued)
        self.recording_name: str | None = None
        self.answered = False
        self.answered_once = False
        self.transferred = False
        self.emergency: str | None = None
        self.held = False
        self.caller_gone = False
        self.ended_by = "caller"
        self.task: asyncio.Task | None = None
        self.recording_done: asyncio.Future | None = None  # RecordingFinished of our recording

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
        while not self._writes.empty():
            fields = self._writes.get_nowait()
            # a database blip delays the write; only one failing for half a minute is lost (logged)
            await at_most(RECORD_WRITE_ATTEMPTS, lambda fields=fields: self.w.records.update(self.call_id, **fields),
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
            if isinstance(message, dict) and message.get("type") in HANGUP_EVENTS:
                leg = self.legs.get(message.get("channel", {}).get("id"))
                if leg is not None and leg.gone:
                    continue  # the second and third event of one hang-up
            if isinstance(message, Offer) and self.phase != "queued":
                await self.w.store.offer_failed(call_id=self.call_id, user_id=message.agent.user_id,
                                                now=time.time(), outcome="cancelled")
                continue
            if isinstance(message, Command) and not await self.admit(message):
                continue
            if isinstance(message, Command) and self.phase != "bridged":
                await self.command_outside_talk(message)
                continue
            if isinstance(message, Resync):
                await self.on_resync(message)
                continue
            return message

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
        """Before an agent is on the call only a supervisor's hang-up makes sense."""
        if command.action != "hangup":
            command.reply.set_result({"ok": False, "status": 409,
                                      "detail": f"通话当前不在通话中 (call is {self.phase})"})
        elif command.actor_role not in ("supervisor", "admin"):
            command.reply.set_result({"ok": False, "status": 403, "detail": "not your call"})
        else:
            self.ended_by = "agent"
            await self.w.calls.hangup(self.caller)
            command.reply.set_result({"ok": True, "status": 200, "data": {}})

    # ---------------------------------------------------------------- life cycle
    async def run(self, *, fresh: bool) -> None:
        """The whole call. Cancelled (worker stopping, app taken over): leave Asterisk as it is."""
        if self.call_id is None and not await self.open_record():
            return
        self.w.index_call(self)
        try:
            await self.flow(fresh)
            await self.finish()
        finally:
            self.w.unindex_call(self)
            await self.drain()

    async def open_record(self) -> bool:
        """A new call's record, written here rather than by the ARI event pump (which must never
        wait for the database): events of the call meanwhile wait in its inbox."""
        call = await at_most(OPEN_RECORD_ATTEMPTS, lambda: self.w.records.create(**self.opening),
                             what="open the call record", context={"channel": self.caller})
        if call is None:  # logged: without a record the call cannot be served
            self.w.unindex_channel(self.caller)
            await self.w.calls.hangup(self.caller)
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
                await self.w.store.offer_failed(call_id=self.call_id, user_id=message.agent.user_id,
                                                now=time.time(), outcome="cancelled")

    async def flow(self, fresh: bool) -> None:
        try:
            if fresh:
                await self.begin()
            while not self.caller_gone:
                if self.phase == "ivr":
                    await self.run_menu()
                elif self.phase in ("queued", "ringing"):
                    await self.wait_in_queue()
                elif self.phase != "bridged" or not await self.talk():
                    break
        except CallerGone:
            self.ended_by = "caller"
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call flow failed", extra={"call_id": self.call_id})
            self.ended_by = "system"

    async def begin(self) -> None:
        await self.w.calls.answer(self.caller)
        await self.w.notify("call.started", CallStarted(call_id=self.call_id,
                                                       caller_masked=mask_phone(self.caller_number)),
                            region_code=self.region_code)
        notice = await self.w.calls.variable(self.caller, "HOTLINE_NOTICE")
        if notice == "warned":
            self.record(event="caller_warned")
            await self.play_and_collect(menu.Prompt(("caller_warned",), max_digits=0, timeout=0))

    # ---------------------------------------------------------------- voice menu
    async def run_menu(self) -> None:
        config = menu.MenuConfig(self.w.settings.calls.ivr_digit_timeout_seconds,
                                 self.w.settings.calls.ivr_ticket_timeout_seconds)
        state, action = menu.step(menu.MenuState(), menu.Start(), config)
        while True:
            if isinstance(action, menu.ToQueue):
                self.record(menu_choice=action.choice, event="menu",
                                            detail={"choice": action.choice, "queue": action.queue})
                self.queue, self.phase = action.queue, "queued"
                return
            if isinstance(action, menu.LookupTicket):
                found = await self.w.tickets(action.number)
                self.record(ticket_number=action.number, event="ticket_query",
                                            detail={"number": action.number, "found": found is not None})
                status = menu.TicketStatus(found is not None, ticket_status_text(found.number, found.status_label)
                                           if found else "")
                state, action = menu.step(state, status, config)
                continue
            digits = await self.play_and_collect(action)
            state, action = menu.step(state, menu.Keys(digits), config)

    async def media(self, prompts: tuple[menu.PromptRef, ...]) -> list[str]:
        out = []
        for ref in prompts:
            out.append(await self.w.prompts.speak(ref.text) if isinstance(ref, menu.Text)
                       else self.w.prompts.media(ref))
        return out

    async def play_and_collect(self, prompt: menu.Prompt) -> str:
        """Play the prompts (a key stops them), then collect keys until max_digits, the
        terminator, or `timeout` seconds without a key."""
        playback = f"pb-{self.call_id}-{secrets.token_hex(4)}"
        self.w.index_playback(playback, self)
        await self.w.calls.play(self.caller, await self.media(prompt.prompts), playback)
        digits, playing = "", True
        deadline: float | None = None
        loop = asyncio.get_running_loop()
        try:
            while True:
                timeout = None if deadline is None else max(0.0, deadline - loop.time())
                if playing:
                    timeout = 300.0  # a prompt never plays this long; guards a lost event
                message = await self.next(timeout)
                if message is None:
                    return digits
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "PlaybackFinished" and message["playback"]["id"] == playback:
                    playing = False
                    if prompt.max_digits == 0:
                        return digits
                    deadline = loop.time() + prompt.timeout
                elif kind == "ChannelDtmfReceived" and message["channel"]["id"] == self.caller:
                    if prompt.max_digits == 0:
                        continue
                    if playing:
                        playing = False
                        await self.w.calls.stop_playback(playback)
                    digit = message["digit"]
                    if prompt.terminator and digit == prompt.terminator:
                        return digits
                    digits += digit
                    if len(digits) >= prompt.max_digits:
                        return digits
                    deadline = loop.time() + prompt.timeout
        finally:
            self.w.unindex_playback(playback)

    # ---------------------------------------------------------------- legs
    def add_leg(self, leg: Leg) -> None:
        self.legs[leg.channel_id] = leg
        self.w.index_channel(leg.channel_id, self)

    def drop_leg(self, leg: Leg) -> None:
        self.legs.pop(leg.channel_id, None)
        self.w.unindex_channel(leg.channel_id)

    def live_parties(self) -> list[Leg]:
        """Answered legs other than the controlling agent that are still up."""
        return [leg for leg in self.legs.values() if leg.answered and not leg.gone and leg is not self.agent]

    # ---------------------------------------------------------------- end
    async def finish(self) -> None:
        """End the call. Asterisk is tidied best-effort (if it is away, so are the channels);
        what must happen — agents released, the call out of the ACD, the recording filed with
        its row, the record closed — is retried until done (R-01, R-17)."""
        phase_at_end = self.phase
        context = {"call_id": self.call_id}
        # a leg left over (logged) is hung up by the next re-sync
        await at_most(3, self.tear_down, what="tear the call down in Asterisk", context=context)
        now = time.time()
        await until_done(lambda: self.release_agents(phase_at_end, now), what="release the agents", context=context)
        await until_done(lambda: self.w.store.remove_call(self.call_id), what="remove the call from the ACD",
                         context=context)
        recording_id = None
        if self.recording_name:
            await self.w.wait_recording(self.recording_done, self.recording_name)
            recording_id = await until_done(lambda: self.w.store_recording(self), what="store the recording",
                                            attempt_timeout=RECORDING_ATTEMPT_TIMEOUT, context=context)
        disposition = final_disposition(phase=phase_at_end, answered=self.answered,
                                        emergency=self.emergency is not None, transferred=self.transferred)
        ended = utcnow()
        await self.flush_records()
        call = await until_done(lambda: self.w.records.close(
            self.call_id, phase="ended", ended_at=ended, disposition=disposition, ended_by=self.ended_by,
            recording_id=recording_id, detail={"disposition": disposition, "ended_by": self.ended_by}),
            what="close the call record", context=context)
        await self.w.notify("call.ended", CallEnded(
            call_id=self.call_id, disposition=disposition, queue=call.queue, agent_id=call.agent_id,
            duration_seconds=round((ended - self.started_at).total_seconds(), 3),
            caller_masked=mask_phone(self.caller_number)),
            region_code=call.region_code, user_ids=(call.agent_id, self.agent.user_id if self.agent else None))
        self.w.queue_stats_changed()
        # failing that (logged), the dispatchers look again at their next wake-up
        await at_most(3, lambda: self.w.store.wake("call ended"), what="wake the dispatchers", context=context)
        log.info("call ended", extra={"call_id": self.call_id, "disposition": disposition})

    async def tear_down(self) -> None:
        if not self.caller_gone:
            await self.w.calls.hangup(self.caller)
        for leg in list(self.legs.values()):
            if not leg.gone:
                await self.w.calls.hangup(leg.channel_id)
        if self.recording_name:
            await self.w.calls.stop_recording(self.recording_name)
        for bridge in (self.bridge_id, f"consult-{self.call_id}"):
            if bridge:
                await self.w.calls.destroy(bridge)
                self.w.unindex_bridge(bridge)

    async def release_agents(self, phase_at_end: str, now: float) -> None:
        """Every agent this call held: wrap-up after a conversation, ready again after an offer
        (each step a no-op when done already: safe to run again)."""
        for leg in list(self.legs.values()):
            if leg.user_id is None:
                continue
            if leg.kind == "agent" and not leg.answered:
                await self.w.store.offer_failed(call_id=self.call_id, user_id=leg.user_id, now=now,
                                                outcome="cancelled")
            elif leg.answered:
                await self.w.store.call_ended(leg.user_id, self.call_id, now, self.w.settings.calls.wrap_up_seconds)
            else:
                await self.w.store.release_seized(leg.user_id, self.call_id, now)
            await self.w.agent_changed(leg.user_id)

    # ---------------------------------------------------------------- re-sync
    async def on_resync(self, resync: Resync) -> None:
        """After a reconnect: legs that vanished while we were away are treated as hung up."""
        if self.caller not in resync.channels:
            self.caller_gone = True
            raise CallerGone()
        for leg in list(self.legs.values()):
            if leg.channel_id not in resync.channels and not leg.gone:
                self.post({"type": "ChannelDestroyed", "channel": {"id": leg.channel_id}, "synthetic": True})
            elif leg.channel_id in resync.channels and not leg.answered \
                    and resync.channels[leg.channel_id].get("dialplan", {}).get("app_name") == "Stasis":
                self.post({"type": "StasisStart", "channel": resync.channels[leg.channel_id],
                           "args": [leg.kind, str(self.call_id)], "synthetic": True})


def agent_state_message(agent: AgentRecord) -> AgentStateChanged:
    return AgentStateChanged(agent_id=agent.user_id, username=agent.username, extension=agent.extension,
                             state=agent.state.state, reason=agent.state.reason, call_id=agent.call_id,
                             pending_state=agent.state.pending_state)
