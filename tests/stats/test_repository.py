"""The database aggregates compute exactly what the pure figures define (R-05, R-27), on PostgreSQL
and on SQLite, over calls written through the telephony `Call` model."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stats import repository
from stats.figures import CallRecord, FigurePolicy, compute_figures
from tests.stats.helpers import add_calls, make_call, random_calls

BASE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _records(calls) -> list[CallRecord]:
    return [CallRecord(id=i, entered_queue_at=c.entered_queue_at, answered_at=c.answered_at, ended_at=c.ended_at,
                       disposition=c.disposition, queue=c.queue) for i, c in enumerate(calls)]


def _same(expected, actual) -> None:
    """Counts equal; sums of seconds equal up to floating-point error."""
    for name in ("offered", "answered", "abandoned", "short_abandoned", "unanswered",
                 "answered_within_service_level", "waiting", "handled"):
        assert getattr(actual, name) == getattr(expected, name), name
    for name in ("speed_of_answer_total", "handle_total", "longest_wait_seconds"):
        assert getattr(actual, name) == pytest.approx(getattr(expected, name), abs=0.01), name  # SQLite: ~50 µs each


@pytest.mark.parametrize("policy", [FigurePolicy(), FigurePolicy(short_abandon_seconds=5)])
async def test_sql_aggregates_equal_the_pure_figures(session, policy):
    calls = await add_calls(session, random_calls(BASE, 300, seed=7))
    now = BASE + timedelta(minutes=50)  # some calls "in the future" are not yet anything
    start, end = BASE + timedelta(minutes=5), BASE + timedelta(minutes=45)
    by_queue = await repository.figures_by_queue(session, start=start, end=end, now=now, policy=policy)
    records = _records(calls)
    assert set(by_queue) == {"general", "enterprise", "expert:housing"}
    for queue, figures in by_queue.items():
        _same(compute_figures([r for r in records if r.queue == queue], start=start, end=end, now=now, policy=policy),
              figures)


async def test_half_hour_slots_and_single_queue(session):
    calls = await add_calls(session, random_calls(BASE, 120, seed=3, span_seconds=7200))
    now = BASE + timedelta(hours=3)
    slots = await repository.figures_by_half_hour(session, start=BASE, end=now, now=now, policy=FigurePolicy())
    records = _records(calls)
    for (queue, slot), figures in slots.items():
        lo = BASE + timedelta(minutes=30 * slot)
        _same(compute_figures([r for r in records if r.queue == queue], start=lo, end=lo + timedelta(minutes=30), now=now),
              figures)
    assert {slot for _, slot in slots} == {0, 1, 2, 3}
    only = await repository.figures_by_queue(session, start=BASE, end=now, now=now, policy=FigurePolicy(), queue="general")
    assert set(only) == {"general"}


async def test_exactly_fifteen_seconds_counts_as_within(session):
    await add_calls(session, [make_call(BASE, enter=0, answer=15, end=30), make_call(BASE, enter=1, answer=16.002, end=40)])
    now = BASE + timedelta(minutes=5)
    figures = (await repository.figures_by_queue(session, start=BASE, end=now, now=now, policy=FigurePolicy()))["general"]
    assert (figures.answered, figures.answered_within_service_level) == (2, 1)


async def test_sqlite_gives_the_same_figures(tmp_path):
    from core.database import create_engine, create_sessionmaker
    from core.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            calls = await add_calls(session, random_calls(BASE, 200, seed=11))
            now = BASE + timedelta(minutes=61)
            policy = FigurePolicy(short_abandon_seconds=3)
            by_queue = await repository.figures_by_queue(session, start=BASE, end=now, now=now, policy=policy)
            for queue, figures in by_queue.items():
                _same(compute_figures([r for r in _records(calls) if r.queue == queue], start=BASE, end=now, now=now,
                                      policy=policy), figures)
            slots = await repository.figures_by_half_hour(session, start=BASE, end=now, now=now, policy=policy)
            assert {slot for _, slot in slots} == {0, 1}  # calls entered during the first hour
            for (queue, slot), figures in slots.items():
                lo = BASE + timedelta(minutes=30 * slot)
                _same(compute_figures([r for r in _records(calls) if r.queue == queue], start=lo,
                                      end=lo + timedelta(minutes=30), now=now, policy=policy), figures)
    finally:
        await engine.dispose()
