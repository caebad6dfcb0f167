"""Answer-rate alarms (R-05, R-24, R-34): raised once when a queue, expert-seat group or sub-centre falls
under 95 % with enough calls, stored as a supervision record, announced to supervisors once, cleared on
recovery — and still exactly once when several processes evaluate at the same moment.

Every test uses queues of its own (unique_queue): the session database also holds the real calls the
telephony tests committed, and alarms look at the live window."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import delete, func, select

from core.database import create_sessionmaker
from core.kv import subscription_messages
from core.timeutil import utcnow
from events.bus import EventBus
from models import AnswerRateAlarm, AuditEvent
from models.call import Call
from stats.alarm_service import evaluate_alarms, publish_changes
from stats.config import StatsConfig
from stats.events import StatsNotifier
from tests.conftest import login
from tests.stats.helpers import add_calls, make_call, unique_queue


def _config(settings, **overrides) -> StatsConfig:
    values = {"stats_alarm_min_offered": 5, "stats_alarm_window_minutes": 15, **overrides}
    return StatsConfig.from_settings(settings.replace(**values))


def _calls(base, *, queue: str, answered: int, abandoned: int, start: int = 0) -> list[Call]:
    calls = [make_call(base, enter=start + i, answer=start + i + 3, end=start + i + 60, queue=queue)
             for i in range(answered)]
    return calls + [make_call(base, enter=start + answered + i, end=start + answered + i + 40, queue=queue)
                    for i in range(abandoned)]


def _mine(changes, *keys: str):
    return [c for c in changes if c.alarm.segment_key in keys]


async def test_raised_once_kept_then_cleared(session, settings):
    config, base, queue = _config(settings), utcnow() - timedelta(minutes=10), unique_queue()
    await add_calls(session, _calls(base, queue=queue, answered=8, abandoned=2))
    [raised] = _mine(await evaluate_alarms(session, now=utcnow(), config=config), queue)
    assert raised.event == "alarm.raised"
    alarm = raised.alarm
    assert (alarm.segment_kind, alarm.segment_key, alarm.offered, alarm.answered) == ("queue", queue, 10, 8)
    assert alarm.answer_rate == 0.8 and alarm.threshold == 0.95 and alarm.cleared_at is None
    assert f"队列「{queue}」近15分钟接通率 80.0%（呼入 10，接通 8，放弃 2）" in alarm.notice
    await add_calls(session, _calls(base, queue=queue, answered=5, abandoned=1, start=100))  # still short
    assert _mine(await evaluate_alarms(session, now=utcnow(), config=config), queue) == []
    await add_calls(session, _calls(base, queue=queue, answered=120, abandoned=0, start=200))  # 133 of 136 ≥ 95 %
    [cleared] = _mine(await evaluate_alarms(session, now=utcnow(), config=config), queue)
    assert cleared.event == "alarm.cleared" and cleared.alarm.id == alarm.id
    assert cleared.alarm.cleared_offered == 136 and cleared.alarm.cleared_answer_rate >= 0.95
    actions = set((await session.scalars(select(AuditEvent.action).where(
        AuditEvent.resource_type == "answer_rate_alarm", AuditEvent.resource_id == str(alarm.id)))).all())
    assert actions == {"stats.alarm_raised", "stats.alarm_cleared"}


async def test_too_few_calls_raise_nothing(session, settings):
    queue = unique_queue()
    await add_calls(session, _calls(utcnow() - timedelta(minutes=5), queue=queue, answered=1, abandoned=3))
    assert _mine(await evaluate_alarms(session, now=utcnow(), config=_config(settings)), queue) == []


async def test_expert_seat_group_and_sub_centre_alarms(session, settings):
    group, hr = unique_queue("grp"), unique_queue("hr")
    config = _config(settings, stats_sub_centre_queues=f"{hr}=SC-12345-RS")
    base = utcnow() - timedelta(minutes=10)
    await add_calls(session, _calls(base, queue=f"expert:{group}", answered=3, abandoned=3)
                    + _calls(base, queue=hr, answered=4, abandoned=2))
    changes = await evaluate_alarms(session, now=utcnow(), config=config)
    by_segment = {(c.alarm.segment_kind, c.alarm.segment_key): c.alarm
                  for c in _mine(changes, group, f"expert:{group}", hr, "SC-12345-RS")}
    # an expert queue's (or a sub-centre queue's) shortfall is one alarm, on its group / sub-centre
    assert set(by_segment) == {("expert_group", group), ("sub_centre", "SC-12345-RS")}
    assert by_segment[("expert_group", group)].segment_name == f"专家座席·{group}"
    sub_centre = by_segment[("sub_centre", "SC-12345-RS")]
    assert sub_centre.segment_name == "12333人社服务分中心" and sub_centre.org_unit_id is not None
    assert (sub_centre.offered, sub_centre.answered) == (6, 4)


async def test_alarm_clears_when_the_window_empties(session, settings):
    config, queue = _config(settings), unique_queue()
    await add_calls(session, _calls(utcnow() - timedelta(minutes=14), queue=queue, answered=2, abandoned=4))
    assert len(_mine(await evaluate_alarms(session, now=utcnow(), config=config), queue)) == 1
    [cleared] = _mine(await evaluate_alarms(session, now=utcnow() + timedelta(minutes=20), config=config), queue)
    assert cleared.event == "alarm.cleared" and cleared.alarm.cleared_offered == 0


async def test_concurrent_evaluators_raise_and_announce_once(engine, settings, redis, seeded):
    """Five evaluators (as five processes would) on their own connections, at the same instant."""
    config, maker, queue = _config(settings), create_sessionmaker(engine), unique_queue()
    notifier = StatsNotifier(EventBus(redis, settings.redis.events_channel + ":alarms"))
    async with maker() as session:
        calls = await add_calls(session, _calls(utcnow() - timedelta(minutes=5), queue=queue, answered=6,
                                                abandoned=4))
        await session.commit()
    ids = [c.id for c in calls]

    async def evaluator():
        async with maker() as session:
            changes = await evaluate_alarms(session, now=utcnow(), config=config)
            await session.commit()
            await publish_changes(notifier, changes)
            return _mine(changes, queue)

    received = []

    async def listen(ready: asyncio.Event):
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(notifier.bus.channel)
        ready.set()
        async for message in subscription_messages(pubsub):
            if f'"segment_key":"{queue}"' in message["data"]:
                received.append(message["data"])

    ready = asyncio.Event()
    listener = asyncio.create_task(listen(ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        results = await asyncio.gather(*(evaluator() for _ in range(5)))
        assert sum(len(r) for r in results) == 1
        async with maker() as session:
            count = await session.scalar(select(func.count()).select_from(AnswerRateAlarm).where(
                AnswerRateAlarm.segment_key == queue, AnswerRateAlarm.cleared_at.is_(None)))
            assert count == 1
        async with asyncio.timeout(5):
            while not received:
                await asyncio.sleep(0.01)  # bounded poll for the pub/sub delivery
        await asyncio.gather(*(evaluator() for _ in range(3)))  # nothing new to say
        assert len(received) == 1 and '"type":"alarm.raised"' in received[0]
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        async with maker() as session:
            await session.execute(delete(AnswerRateAlarm))
            await session.execute(delete(Call).where(Call.id.in_(ids)))
            await session.commit()


async def test_alarm_endpoints(client, session):
    queue = unique_queue()
    await add_calls(session, _calls(utcnow() - timedelta(minutes=3), queue=queue, answered=10, abandoned=20))
    await session.commit()
    supervisor = await login(client, "supervisor")
    agent = await login(client, "agent1002")
    assert (await client.post("/api/v1/stats/alarms/evaluate", headers=agent)).status_code == 403
    evaluated = await client.post("/api/v1/stats/alarms/evaluate", headers=supervisor)
    assert evaluated.status_code == 200 and queue in [a["segment_key"] for a in evaluated.json()]
    listed = (await client.get("/api/v1/stats/alarms", params={"open": "true"}, headers=supervisor)).json()
    [alarm] = [a for a in listed if a["segment_key"] == queue]
    ack = await client.post(f"/api/v1/stats/alarms/{alarm['id']}/acknowledge", json={"note": "已增派两名座席"},
                            headers=supervisor)
    assert ack.status_code == 200 and ack.json()["acknowledgement"] == "已增派两名座席"
    assert ack.json()["acknowledged_by_id"] is not None
    for path, body, headers, expected in (
        (f"/api/v1/stats/alarms/{alarm['id']}/acknowledge", {"note": "x"}, agent, 403),
        ("/api/v1/stats/alarms/999999/acknowledge", {"note": "x"}, supervisor, 404),
        (f"/api/v1/stats/alarms/{alarm['id']}/acknowledge", {"note": ""}, supervisor, 422),
        (f"/api/v1/stats/alarms/{alarm['id']}/acknowledge", {"note": "x", "extra": 1}, supervisor, 422),
        ("/api/v1/stats/alarms/99999999999/acknowledge", {"note": "x"}, supervisor, 422),
    ):
        assert (await client.post(path, json=body, headers=headers)).status_code == expected, path
    assert (await client.get("/api/v1/stats/alarms", params={"limit": 0}, headers=supervisor)).status_code == 422
