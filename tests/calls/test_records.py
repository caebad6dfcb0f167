"""The worker's writes to a call's record: a burst of writes is one transaction that keeps
their order (the last value of a field wins, the events in the order they happened)."""
from __future__ import annotations

from sqlalchemy import select

from calls.repository import CallRecords
from core.timeutil import utcnow
from models import Call, CallEvent


async def test_a_burst_of_writes_lands_in_order_as_one_transaction(resources):
    records = CallRecords(resources.sessionmaker)
    call = await records.create(channel_id=f"burst-{utcnow().timestamp()}", app="hotline", caller_number="13900000021",
                                called_number="12345", phase="ivr", started_at=utcnow())
    answered_at = utcnow()
    await records.update_many(call.id, [
        {"menu_choice": "2", "queue": "enterprise", "phase": "queued", "event": "menu",
         "detail": {"choice": "2", "queue": "enterprise"}},
        {"phase": "queued", "entered_queue_at": utcnow(), "event": "queued", "detail": {"queue": "enterprise"}},
        {"phase": "ringing", "event": "offered", "detail": {"agent_id": 7, "extension": "1001"}},
        {"phase": "bridged", "answered_at": answered_at},  # fields only, no event
    ])
    async with resources.sessionmaker() as session:
        row = await session.get(Call, call.id)
        events = (await session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)
                                        .order_by(CallEvent.id))).all()
    assert (row.phase, row.menu_choice, row.queue, row.answered_at) == ("bridged", "2", "enterprise", answered_at)
    assert row.entered_queue_at is not None
    assert [e.type for e in events] == ["started", "menu", "queued", "offered"]
    assert events[3].detail == {"agent_id": 7, "extension": "1001"} and events[1].detail["choice"] == "2"


async def test_an_empty_burst_writes_nothing(resources):
    records = CallRecords(resources.sessionmaker)
    call = await records.create(channel_id=f"burst-empty-{utcnow().timestamp()}", app="hotline",
                                caller_number="13900000022", called_number="12345", phase="ivr", started_at=utcnow())
    await records.update_many(call.id, [])
    async with resources.sessionmaker() as session:
        assert (await session.get(Call, call.id)).phase == "ivr"
