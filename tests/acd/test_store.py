"""ACD state in Redis (R-05): atomic offers — an agent is never offered two calls, a call
never two agents, however many workers race (separate connections, real Redis)."""
from __future__ import annotations

import asyncio
import time

from acd.store import AcdStore, QueuedCall
from core.kv import create_redis


async def _agent(store: AcdStore, user_id: int, ext: str, skills=("general",)) -> None:
    await store.upsert_profile(user_id=user_id, username=f"agent{ext}", display_name=ext, extension=ext,
                               skills=frozenset(skills))
    await store.request_state(user_id, "ready", "", time.time())


async def _call(store: AcdStore, call_id: int, app: str = "hotline-a") -> None:
    await store.enqueue(QueuedCall(call_id=call_id, queue="general", entered_at=time.time(), app=app))


async def test_racing_workers_offer_an_agent_exactly_once(settings, redis):
    workers = [AcdStore(create_redis(settings.redis.redis_url)) for _ in range(4)]
    try:
        await _agent(workers[0], 1, "1001")
        for call_id in range(100, 140):
            await _call(workers[0], call_id)
        now = time.time()
        results = await asyncio.gather(*(
            workers[i % 4].claim(call_id=100 + i, user_id=1, now=now, offer_until=now + 15) for i in range(40)))
        assert sorted(results).count(1) == 1
        agent = await workers[0].get_agent(1)
        assert agent.state.state == "ringing" and 100 <= agent.call_id < 140
        offered = [c for c in await workers[0].waiting_calls() if c.state == "offered"]
        assert [c.call_id for c in offered] == [agent.call_id] and offered[0].agent_id == 1
    finally:
        for store in workers:
            await store.redis.aclose()


async def test_a_call_is_never_offered_to_two_agents(settings, redis):
    a, b = AcdStore(create_redis(settings.redis.redis_url)), AcdStore(create_redis(settings.redis.redis_url))
    try:
        for uid in (1, 2, 3):
            await _agent(a, uid, f"100{uid}")
        await _call(a, 7)
        now = time.time()
        results = await asyncio.gather(*(s.claim(call_id=7, user_id=uid, now=now, offer_until=now + 15)
                                         for s, uid in ((a, 1), (b, 2), (a, 3))))
        assert sorted(results) == [-1, -1, 1]
        ringing = [x for x in await a.agents() if x.state.state == "ringing"]
        assert len(ringing) == 1
    finally:
        await a.redis.aclose()
        await b.redis.aclose()


async def test_no_answer_makes_the_agent_not_ready_and_the_call_wait_again(redis):
    store = AcdStore(redis)
    await _agent(store, 1, "1001")
    await _call(store, 5)
    now = time.time()
    assert await store.claim(call_id=5, user_id=1, now=now, offer_until=now + 15) == 1
    await store.offer_failed(call_id=5, user_id=1, now=now + 15, outcome="no_answer", reason="未接听 (no answer)")
    agent = await store.get_agent(1)
    assert agent.state.state == "not_ready" and agent.state.reason.startswith("未接听")
    call = await store.get_call(5)
    assert call.state == "waiting" and call.excluded == frozenset({1})


async def test_answer_then_wrap_up_then_ready_again(redis):
    store = AcdStore(redis)
    await _agent(store, 1, "1001")
    await _call(store, 5)
    now = time.time()
    await store.claim(call_id=5, user_id=1, now=now, offer_until=now + 15)
    assert await store.answered(call_id=5, user_id=1, now=now + 1)
    assert (await store.get_agent(1)).state.state == "on_call"
    assert 5 not in {c.call_id for c in await store.waiting_calls()}
    agent = await store.call_ended(1, 5, now + 60, wrap_up_seconds=30)
    assert agent.state.state == "wrap_up" and agent.state.wrap_until == now + 90
    await _call(store, 6)
    assert await store.claim(call_id=6, user_id=1, now=now + 70, offer_until=now + 85) == 0  # still wrapping up
    assert await store.claim(call_id=6, user_id=1, now=now + 91, offer_until=now + 106) == 1


async def test_caller_leaving_during_the_offer_gives_the_agent_back(redis):
    store = AcdStore(redis)
    await _agent(store, 1, "1001")
    await _call(store, 5)
    now = time.time()
    await store.claim(call_id=5, user_id=1, now=now, offer_until=now + 15)
    await store.request_state(1, "not_ready", "会议", now + 1)  # pending while ringing
    await store.offer_failed(call_id=5, user_id=1, now=now + 2, outcome="cancelled")
    agent = await store.get_agent(1)
    assert (agent.state.state, agent.state.reason) == ("not_ready", "会议")


async def test_batched_claims_of_racing_workers_still_offer_each_agent_and_call_once(settings, redis):
    """Each dispatcher claims all its planned pairs in one script: racing batches (overlapping
    agents and calls) still give every agent at most one call and every call at most one agent."""
    workers = [AcdStore(create_redis(settings.redis.redis_url)) for _ in range(3)]
    try:
        for uid in range(1, 6):
            await _agent(workers[0], uid, f"100{uid}")
        for call_id in range(200, 208):
            await _call(workers[0], call_id)
        now = time.time()
        batches = [[(200 + (i + k) % 8, 1 + (i * 2 + k) % 5) for k in range(5)] for i in range(3)]
        results = await asyncio.gather(*(w.claim_many(b, now=now, offer_until=now + 15)
                                         for w, b in zip(workers, batches, strict=True)))
        won = [pair for batch, res in zip(batches, results, strict=True)
               for pair, r in zip(batch, res, strict=True) if r == 1]
        assert len(won) == 5  # five agents, eight calls
        assert len({c for c, _ in won}) == len(won) and len({u for _, u in won}) == len(won)
        agents = {a.user_id: a for a in await workers[0].agents()}
        assert {(a.call_id, uid) for uid, a in agents.items()} == set(won)
        assert await workers[1].claim_many([], now=now, offer_until=now + 15) == []
    finally:
        for store in workers:
            await store.redis.aclose()


async def test_entering_a_call_returns_the_view_with_it_in_one_round_trip(redis):
    store = AcdStore(redis)
    await _agent(store, 1, "1001")
    await _call(store, 5)
    view = await store.enter(QueuedCall(call_id=6, queue="general", entered_at=123.5, app="hotline-b",
                                        caller_number="13900000006", urgent=True, excluded=frozenset({1})))
    assert view.epoch and view.epoch == (await store.snapshot()).epoch
    assert [a.user_id for a in view.agents] == [1]
    mine = next(c for c in view.calls if c.call_id == 6)
    assert (mine.queue, mine.entered_at, mine.app, mine.urgent, mine.excluded, mine.state) == \
        ("general", 123.5, "hotline-b", True, frozenset({1}), "waiting")
    assert {c.call_id for c in view.calls} == {5, 6}
    assert await store.get_call(6) == mine
