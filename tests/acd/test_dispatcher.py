"""The dispatcher's recovery of lost ACD state (R-01, R-05), on real Redis: a waiting caller
goes back into the ACD at its place when Redis lost the keys (restart, flush), and only then
— a call whose Redis write is still on its way is not entered twice."""
from __future__ import annotations

import time

from acd.dispatcher import Dispatcher, Offer
from acd.store import AcdStore, QueuedCall


class WaitingCaller:
    """The part of ivr.session.CallSession the dispatcher touches (a caller in a queue)."""

    def __init__(self, store: AcdStore, call_id: int, entered_at: float) -> None:
        self.store, self.call_id, self.entered_at = store, call_id, entered_at
        self.phase, self.app, self.reentered, self.inbox = "queued", "hotline-test", 0, []

    async def reenter_acd(self) -> None:
        self.reentered += 1
        await self.store.enqueue(QueuedCall(call_id=self.call_id, queue="general", entered_at=self.entered_at,
                                            app=self.app))

    def post(self, message) -> None:
        self.inbox.append(message)


async def ready_agent(store: AcdStore, user_id: int) -> None:
    await store.upsert_profile(user_id=user_id, username=f"agent{user_id}", display_name="", extension="1001",
                               skills=frozenset({"general"}))
    await store.request_state(user_id, "ready", "", time.time())


async def test_a_call_not_yet_written_to_redis_is_not_re_entered(redis):
    store = AcdStore(redis)
    caller = WaitingCaller(store, 501, time.time() - 5)
    dispatcher = Dispatcher(store, {501: caller}, ring_timeout=15)
    assert await dispatcher.dispatch_once() == 0
    assert await dispatcher.dispatch_once() == 0
    assert caller.reentered == 0 and await store.get_call(501) is None


async def test_lost_acd_state_puts_waiting_callers_back_at_their_place(redis):
    store = AcdStore(redis)
    first, second = WaitingCaller(store, 601, time.time() - 30), WaitingCaller(store, 602, time.time() - 10)
    for caller in (first, second):
        await caller.reenter_acd()
    caller.reentered = first.reentered = 0
    dispatcher = Dispatcher(store, {601: first, 602: second}, ring_timeout=15)
    assert await dispatcher.dispatch_once() == 0  # no agent yet; the epoch is learnt
    await redis.flushdb()  # Redis restarted empty
    await ready_agent(store, 7)
    assert await dispatcher.dispatch_once() == 1
    assert (first.reentered, second.reentered) == (1, 1)
    back = await store.get_call(601)
    assert abs(back.entered_at - first.entered_at) < 1e-3  # its place, not the back of the queue
    assert len(first.inbox) == 1 and isinstance(first.inbox[0], Offer) and first.inbox[0].agent.user_id == 7
    assert second.inbox == [] and (await store.get_call(602)).state == "waiting"
    assert await dispatcher.dispatch_once() == 0 and first.reentered == 1  # once per loss
