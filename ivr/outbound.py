"""Click-to-call in the ARI worker: orders from `POST /api/v1/calls/outbound` (Redis list
`hotline:outbound`, any worker) ring the agent's seat first; once the agent answers, the citizen is
dialled over the trunk showing HOTLINE_OUTBOUND_CALLER_ID; both are in one recorded mixing bridge.
The call record has direction `outbound` (disposition `outbound`: not in the answer rate), the
ticket or callback task it was made for, and the recording; a task whose citizen answered is done."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time

from callbacks import service
from calls.commands import REPLY_TTL, reply_key
from calls.outbound_endpoints import OUTBOUND_KEY
from core.dialling import caller_id, outside_number_allowed
from core.kv import BLOCKING_SLICE_SECONDS
from core.retry import at_most
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from ivr.call_types import HANGUP_EVENTS

log = logging.getLogger(__name__)
CITIZEN_RING_SECONDS = 45


class OutboundRunner:
    def __init__(self, worker, sessionmaker, redis) -> None:
        self.worker, self.sessionmaker, self.redis = worker, sessionmaker, redis
        self.active: set[OutboundCall] = set()

    async def run(self) -> None:
        while True:
            try:
                item = await self.redis.blpop([OUTBOUND_KEY], timeout=BLOCKING_SLICE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbound orders: Redis away", exc_info=True)
                await asyncio.sleep(1.0)  # back-off before reading the list again
                continue
            if item is None:
                continue
            order = json.loads(item[1])
            if order.get("expires_at", 0) < time.time():
                continue  # the API gave up on it: never dial late
            call = OutboundCall(self, order)
            self.active.add(call)
            call.task = asyncio.create_task(call.run(), name="outbound")
            call.task.add_done_callback(lambda _t, c=call: self.active.discard(c))


class OutboundCall:
    def __init__(self, runner: OutboundRunner, order: dict) -> None:
        self.runner, self.order = runner, order
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.call_id: int | None = None
        self.app = runner.worker.own_app
        self.agent = self.citizen = self.bridge = self.recording = None
        self.recording_done = None
        self.answered = False
        self.seized = 0  # 1: the agent was marked busy in the ACD for this call (no inbound offer meanwhile)

    def post(self, message) -> None:
        self.inbox.put_nowait(message)

    async def reply(self, ok: bool, detail: str = "", **data) -> None:
        key = reply_key(self.order["reply_to"])
        await self.runner.redis.rpush(key, json.dumps({"ok": ok, "status": 200 if ok else 409, "detail": detail,
                                                        "data": data}))
        await self.runner.redis.expire(key, REPLY_TTL)

    async def wait_for(self, channel: str, timeout: float) -> bool:
        """True once `channel` answered (StasisStart); False if it or the other leg hung up first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(self.inbox.get(), left)
            except TimeoutError:
                return False
            kind, cid = message.get("type"), message.get("channel", {}).get("id")
            if kind == "StasisStart" and cid == channel:
                return True
            if kind in HANGUP_EVENTS and cid in (self.agent, self.citizen):
                return False
        return False

    async def run(self) -> None:
        w, o = self.runner.worker, self.order
        telephony, registry = w.calls, w.registry
        if not outside_number_allowed(o["number"], w.settings.dialling.outside_numbers):
            await self.reply(False, "该号码不允许外呼 (number not on the allow-list)")
            return
        endpoint = await w.seats.endpoint_for(o["extension"])
        if endpoint is None:
            await self.reply(False, f"分机 {o['extension']} 未注册 (extension not registered)")
            return
        now = utcnow()
        token = secrets.token_hex(6)
        self.agent, self.citizen = f"ob-{token}-agent", f"ob-{token}-citizen"
        registry.add_channel(self.agent, self)
        registry.add_channel(self.citizen, self)
        call = await w.records.create(
            channel_id=self.agent, app=self.app, node=w.ownership.node,
            caller_number=o["number"][:32], called_number=w.settings.dialling.outbound_caller_id[:32], phase="ringing",
            started_at=now, region_code=o.get("region_code"), direction="outbound", agent_id=o["user_id"],
            extension=o["extension"], ticket_id=o.get("ticket_id"), callback_id=o.get("callback_id"))
        self.call_id = call.id
        try:
            self.seized = await w.store.seize(user_id=o["user_id"], call_id=call.id, now=time.time())
            if self.seized == 0:  # ringing with, or talking to, a caller of the queue
                await self.reply(False, "座席正忙，请结束当前通话后再回拨 (seat busy)")
                return
            if self.seized == 1:
                await w.publisher.agent_changed(o["user_id"])
            await telephony.originate(leg_id=self.agent, endpoint=endpoint, app=self.app,
                                      app_args=f"outbound,{call.id}", caller_id=caller_id(o["number"]),
                                      timeout=w.settings.calls.ring_timeout_seconds)
            await self.reply(True, call_id=call.id)
            await self.talk()
        except Exception as exc:  # Asterisk refused: the API hears of it, the record is closed
            log.warning("click-to-call failed", extra={"call_id": call.id}, exc_info=exc)
            with contextlib.suppress(Exception):
                await self.reply(False, "外呼失败 (call not placed)")
        finally:
            await self.end()

    async def talk(self) -> None:
        w, o = self.runner.worker, self.order
        telephony = w.calls
        if not await self.wait_for(self.agent, w.settings.calls.ring_timeout_seconds + 10):
            return
        self.bridge = f"outbound-{self.call_id}"
        await telephony.bridge(self.bridge, f"outbound {self.call_id}")
        w.registry.add_bridge(self.bridge, self)
        await telephony.add(self.bridge, self.agent)
        self.recording = f"outbound-{self.call_id}-{secrets.token_hex(3)}"
        self.recording_done = w.recorder.finished_waiter(self.recording)
        await telephony.record_bridge(self.bridge, self.recording)
        await w.records.update(self.call_id, bridge_id=self.bridge, recording_name=self.recording,
                               event="party_dialled", detail={"target": "citizen"})
        await telephony.originate(leg_id=self.citizen, endpoint=f"PJSIP/{o['number']}@pstn", app=self.app,
                                  app_args=f"outbound,{self.call_id}",
                                  caller_id=caller_id(w.settings.dialling.outbound_caller_id),
                                  timeout=CITIZEN_RING_SECONDS)
        if not await self.wait_for(self.citizen, CITIZEN_RING_SECONDS + 10):
            return
        await telephony.add(self.bridge, self.citizen)
        self.answered = True
        await w.records.update(self.call_id, phase="bridged", answered_at=utcnow(), event="answered")
        while True:  # until one side hangs up
            message = await self.inbox.get()
            if message.get("type") in HANGUP_EVENTS and message.get("channel", {}).get("id") in (self.agent,
                                                                                               self.citizen):
                return

    async def end(self) -> None:
        w = self.runner.worker
        telephony, context = w.calls, {"call_id": self.call_id}
        if self.call_id is None:
            w.registry.remove_call(self)
            return
        for channel in (self.agent, self.citizen):
            await telephony.hangup(channel)
        recording_id = None
        if self.recording:
            await telephony.stop_recording(self.recording)
        if self.bridge:
            await telephony.destroy(self.bridge)
        if self.recording:
            await w.recorder.wait(self.recording_done, self.recording)
            recording_id = await at_most(3, lambda: w.recorder.store(self.call_id, self.recording, None,
                                                                     seats=(self.order["user_id"],)),
                                         what="store the outbound recording", context=context)
        ended = utcnow()
        await at_most(5, lambda: w.records.close(self.call_id, phase="ended", ended_at=ended, disposition="outbound",
                                                 ended_by="system", recording_id=recording_id,
                                                 detail={"disposition": "outbound", "answered": self.answered}),
                      what="close the outbound call record", context=context)
        w.registry.remove_call(self)
        if self.seized == 1:  # back to the state before the call back (ready, most often)
            await at_most(5, lambda: w.store.release_seized(self.order["user_id"], self.call_id, time.time()),
                          what="release the agent", context=context)
            await at_most(3, lambda: w.publisher.agent_changed(self.order["user_id"]), what="announce the agent",
                          context=context)
        if self.order.get("callback_id"):
            async def mark() -> None:
                async with UnitOfWork(self.runner.sessionmaker()) as uow:
                    await service.called_back(uow.session, task_id=self.order["callback_id"], call_id=self.call_id,
                                              answered=self.answered, now=ended)
            await at_most(5, mark, what="mark the callback task", context=context)
