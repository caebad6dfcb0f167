"""The satisfaction survey's outbound calls (R-16), in the ARI worker.

`SurveyDialer` claims due surveys from the database (callbacks.service.claim_due: the calling
window, HOTLINE_SURVEY_MAX_CHANNELS for the whole centre) whenever it is woken (the scheduler or
`POST /api/v1/callbacks/surveys/run` push to Redis) or every few seconds, and runs one
`SurveyCall` actor per survey: it dials the citizen over the carrier trunk showing 12345, puts the
answered channel in a recorded bridge, says the greeting with the ticket's number and matter, asks
the three questions (a key pressed while a question plays answers it; no key → asked once more →
no answer), thanks and hangs up. The result (answers, or busy / no answer) goes to
callbacks.service.record_try, which drives the ticket's callback action and the retries.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from callbacks import schedule, service
from callbacks.tasks import WAKE_KEY
from core.dialling import caller_id
from core.retry import at_most, until_done
from core.settings import Settings
from core.timeutil import utcnow
from events.bus import EventBus
from events.unit_of_work import UnitOfWork
from ivr.ari import AriClient, AriError
from ivr.call_types import HANGUP_EVENTS
from ivr.prompt_texts import survey_greeting_text
from ivr.prompts import PromptLibrary
from ivr.recorder import Recorder
from ivr.registry import CallRegistry
from ivr.services import CallServices
from workorders.events import TicketNotifier

log = logging.getLogger(__name__)
POLL_SECONDS = 3.0  # the dialer looks for due surveys at least this often
QUESTION_KEYS = {"speed": "survey_speed", "resolution": "survey_resolution", "overall": "survey_overall"}
BUSY_CAUSES = {17}  # Q.850 user busy
PLAYBACK_BOUND = 120.0  # a prompt never plays this long: guards a lost PlaybackFinished


class CitizenGone(Exception):
    pass


class SurveyDialer:
    def __init__(self, *, settings: Settings, sessionmaker, redis, ari: AriClient, telephony: CallServices,
                 registry: CallRegistry, prompts: PromptLibrary, recorder: Recorder, records, app: str,
                 node: str, digit_timeout: float) -> None:
        self.settings, self.sessionmaker, self.redis, self.ari = settings, sessionmaker, redis, ari
        self.telephony, self.registry, self.prompts, self.recorder = telephony, registry, prompts, recorder
        self.records, self.app, self.node, self.digit_timeout = records, app, node, digit_timeout
        self.active: set[SurveyCall] = set()
        self.bus = EventBus(redis, settings.redis.events_channel)

    async def run(self) -> None:
        while True:
            try:
                await self.dial_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # database or Redis away: next round
                log.warning("survey dialer round failed", exc_info=True)
            try:
                await self.redis.blpop([WAKE_KEY], timeout=POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("survey dialer: Redis away, polling the database", exc_info=True)
                await asyncio.sleep(POLL_SECONDS)  # Redis away: poll the database at this pace

    async def dial_due(self) -> int:
        room = self.settings.callbacks.survey_max_channels - len(self.active)
        if room <= 0:
            return 0
        async with UnitOfWork(self.sessionmaker()) as uow:
            due = await service.claim_due(uow.session, self.settings, now=utcnow(), room=room)
        for item in due:
            call = SurveyCall(self, item)
            self.active.add(call)
            call.start()
        return len(due)

    async def stop(self) -> None:
        for call in list(self.active):
            if call.task is not None:
                call.task.cancel()


class SurveyCall:
    """One try of one survey, as an actor: its channel's and playbacks' events come in its inbox."""

    def __init__(self, dialer: SurveyDialer, due: service.Due) -> None:
        self.dialer, self.due = dialer, due
        self.channel = f"sv-{due.survey_id}-{due.attempt}-{secrets.token_hex(3)}"
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.app = dialer.app
        self.call_id: int | None = None
        self.bridge: str | None = None
        self.recording: str | None = None
        self.recording_done: asyncio.Future | None = None
        self.answers: dict[str, str | None] = {}
        self.gone = False
        self.greeting: asyncio.Task | None = None  # spoken while the phone rings

    def post(self, message) -> None:
        self.inbox.put_nowait(message)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run(), name=f"survey-{self.due.survey_id}")
        self.task.add_done_callback(lambda _t: self.dialer.active.discard(self))

    async def next(self, timeout: float | None) -> dict | None:
        try:
            message = await asyncio.wait_for(self.inbox.get(), timeout)
        except TimeoutError:
            return None
        if message.get("type") in HANGUP_EVENTS and message.get("channel", {}).get("id") == self.channel:
            self.gone = True
            raise CitizenGone(message)
        return message

    # ---------------------------------------------------------------- the try
    async def run(self) -> None:
        d, due = self.dialer, self.due
        result = "failed"
        d.registry.add_channel(self.channel, self)
        self.greeting = asyncio.create_task(d.prompts.speak(survey_greeting_text(due.ticket_number, due.matter)))
        self.greeting.add_done_callback(lambda t: t.cancelled() or t.exception())  # an unanswered call's is unused
        try:
            result = await self.dial()
            if result == "answered":
                with contextlib.suppress(CitizenGone):
                    await self.converse()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("survey call failed", extra={"survey_id": due.survey_id})
        finally:
            if not self.greeting.done():
                self.greeting.cancel()
            await self.end(result)

    async def dial(self) -> str:
        d, ring = self.dialer, self.dialer.settings.callbacks.survey_ring_seconds
        try:
            await d.telephony.originate(leg_id=self.channel, endpoint=f"PJSIP/{self.due.phone}@pstn", app=self.app,
                                        app_args=f"survey,{self.due.survey_id}",
                                        caller_id=caller_id(d.settings.dialling.outbound_caller_id), timeout=ring)
        except AriError as exc:
            log.warning("survey call not placed", extra={"survey_id": self.due.survey_id, "error": str(exc)})
            return "failed"
        try:
            while (message := await self.next(ring + 15)) is not None:
                if message.get("type") == "StasisStart":
                    return "answered"
            return "no_answer"
        except CitizenGone as gone:
            cause = int(gone.args[0].get("cause") or 0)
            return "busy" if cause in BUSY_CAUSES else "no_answer"

    async def converse(self) -> None:
        d, due = self.dialer, self.due
        now = utcnow()
        call = await d.records.create(channel_id=self.channel, app=self.app, node=d.node, caller_number=due.phone,
                                      called_number=d.settings.dialling.outbound_caller_id[:32], phase="bridged",
                                      started_at=now, answered_at=now, region_code=due.region_code,
                                      direction="outbound")
        self.call_id = call.id
        self.bridge = f"survey-{call.id}"
        await d.telephony.bridge(self.bridge, f"survey {due.survey_id}")
        d.registry.add_bridge(self.bridge, self)
        await d.telephony.add(self.bridge, self.channel)
        self.recording = f"survey-{call.id}-{secrets.token_hex(3)}"
        self.recording_done = d.recorder.finished_waiter(self.recording)
        await d.telephony.record_bridge(self.bridge, self.recording)
        await d.records.update(call.id, bridge_id=self.bridge, recording_name=self.recording)
        greeting = await self.greeting
        for index, (question, key) in enumerate(QUESTION_KEYS.items()):
            media = [d.prompts.media(key)]
            answer = await self.ask(([greeting] if index == 0 else []) + media)
            if answer is None:
                answer = await self.ask(media)  # once more
            self.answers[question] = answer
        await self.play([d.prompts.media("survey_thanks")], keys=False)

    async def ask(self, media: list[str]) -> str | None:
        return await self.play(media, keys=True)

    async def play(self, media: list[str], *, keys: bool) -> str | None:
        """Play on the bridge (recorded); with keys: a key 1–3 stops it and is the answer,
        else wait HOTLINE_IVR_DIGIT_TIMEOUT_SECONDS after it for one."""
        d = self.dialer
        playback = f"svpb-{self.call_id}-{secrets.token_hex(4)}"
        d.registry.add_playback(playback, self)
        try:
            await d.ari.bridges.play(bridgeId=self.bridge, media=media, playbackId=playback, lang="zh")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PLAYBACK_BOUND
            playing = True
            while True:
                message = await self.next(max(0.0, deadline - loop.time()))
                if message is None:
                    return None
                kind = message.get("type")
                if kind == "PlaybackFinished" and message["playback"]["id"] == playback:
                    if not keys:
                        return None
                    playing, deadline = False, loop.time() + self.dialer.digit_timeout
                elif kind == "ChannelDtmfReceived" and keys and message.get("digit") in schedule.KEYS:
                    if playing:
                        await d.telephony.stop_playback(playback)  # barge-in
                    return message["digit"]
        finally:
            d.registry.drop_playback(playback)

    # ---------------------------------------------------------------- the end
    async def end(self, result: str) -> None:
        d, due = self.dialer, self.due
        context = {"survey_id": due.survey_id, "call_id": self.call_id}
        if not self.gone:
            await d.telephony.hangup(self.channel)
        recording_id = None
        if self.call_id is not None:
            if self.recording:
                await d.telephony.stop_recording(self.recording)
            if self.bridge:
                await d.telephony.destroy(self.bridge)
            if self.recording:
                await d.recorder.wait(self.recording_done, self.recording)
                recording_id = await at_most(3, lambda: d.recorder.store(self.call_id, self.recording, None),
                                             what="store the survey recording", context=context)
            ended = utcnow()
            await at_most(5, lambda: d.records.close(
                self.call_id, phase="ended", ended_at=ended, disposition="outbound", ended_by="system",
                recording_id=recording_id, detail={"disposition": "outbound", "survey_id": due.survey_id,
                                                   "answers": self.answers}),
                what="close the survey call record", context=context)
        d.registry.remove_call(self)

        async def record() -> None:
            async with UnitOfWork(d.sessionmaker(), d.bus) as uow:
                await service.record_try(uow.session, d.redis, d.settings, survey_id=due.survey_id, result=result,
                                         now=utcnow(), answers={k: v for k, v in self.answers.items() if v},
                                         call_id=self.call_id, recording_id=recording_id,
                                         notifier=TicketNotifier(uow))

        await until_done(record, what="record the survey result", context=context)
        log.info("survey try ended", extra={**context, "result": result, "answers": self.answers})
