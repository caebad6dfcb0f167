"""Queries over the telephony `calls` table, aggregated in the database.

The definitions are those of the pure `stats.figures` (the reference); these queries compute
the same counts and sums with SQL so a year of calls never travels to Python. A test checks
that both agree on the same calls. Works on PostgreSQL and on SQLite (the embedded default).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import UtcDateTime
from models.call import Call
from stats.figures import HALF_HOUR, CallRecord, FigurePolicy, Figures

# SQLite computes time differences from floating-point Julian days (resolution ≈ 50 µs): compare with
# that much slack there; PostgreSQL's interval arithmetic is exact
_SQLITE_SLACK = 1e-4


def _instant(value: datetime) -> ColumnElement:
    return literal(value, UtcDateTime())


def seconds_between(later: ColumnElement, earlier: ColumnElement, dialect: str) -> ColumnElement[float]:
    """later − earlier in seconds, in this database's dialect."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _clamped(expression: ColumnElement) -> ColumnElement:
    return case((expression < 0, 0.0), else_=expression)


class _Conditions:
    """The outcome of a call as SQL conditions (mirrors stats.figures.outcome)."""

    def __init__(self, *, now: datetime, policy: FigurePolicy, dialect: str) -> None:
        now_ = _instant(now)
        slack = _SQLITE_SLACK if dialect == "sqlite" else 0.0
        self.speed = seconds_between(Call.answered_at, Call.entered_queue_at, dialect)
        self.handle = seconds_between(Call.ended_at, Call.answered_at, dialect)
        self.answered = and_(Call.answered_at.is_not(None), Call.answered_at <= now_)
        still_up = or_(Call.ended_at.is_(None), Call.ended_at > now_)
        fresh = Call.entered_queue_at >= _instant(now - timedelta(seconds=policy.stale_wait_seconds))
        self.waiting = and_(not_(self.answered), still_up, fresh)
        ended = and_(not_(self.answered), Call.ended_at.is_not(None), Call.ended_at <= now_)
        abandon = and_(ended, Call.disposition == "abandoned")
        short = seconds_between(Call.ended_at, Call.entered_queue_at, dialect) < policy.short_abandon_seconds - slack
        self.short_abandon = and_(abandon, short) if policy.short_abandon_seconds > 0 else literal(False)
        self.abandoned = and_(abandon, not_(self.short_abandon))
        self.unanswered = and_(ended, or_(Call.disposition.is_(None), Call.disposition != "abandoned"))
        self.within = and_(self.answered, self.speed <= policy.service_level_seconds + slack)
        self.handled = and_(self.answered, Call.ended_at.is_not(None), Call.ended_at <= now_)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(condition: ColumnElement[bool], value: ColumnElement) -> ColumnElement[float]:
    return func.coalesce(func.sum(case((condition, _clamped(value)), else_=0.0)), 0.0)


def figure_columns(*, now: datetime, policy: FigurePolicy, dialect: str) -> list[ColumnElement]:
    """The aggregate columns that make one Figures (see row_to_figures)."""
    c = _Conditions(now=now, policy=policy, dialect=dialect)
    oldest = func.min(case((c.waiting, Call.entered_queue_at), else_=None))
    return [
        _count(c.answered).label("answered"), _count(c.abandoned).label("abandoned"),
        _count(c.short_abandon).label("short_abandoned"), _count(c.unanswered).label("unanswered"),
        _count(c.within).label("within"), _count(c.waiting).label("waiting"),
        type_coerce(oldest, UtcDateTime()).label("oldest_waiting"),
        _sum(c.answered, c.speed).label("speed_total"), _sum(c.handled, c.handle).label("handle_total"),
        _count(c.handled).label("handled"),
    ]


def row_to_figures(row, *, now: datetime) -> Figures:
    """A Figures from one aggregate row."""
    answered, abandoned, unanswered = int(row.answered), int(row.abandoned), int(row.unanswered)
    oldest = row.oldest_waiting
    return Figures(
        offered=answered + abandoned + unanswered, answered=answered, abandoned=abandoned,
        short_abandoned=int(row.short_abandoned), unanswered=unanswered,
        answered_within_service_level=int(row.within), waiting=int(row.waiting),
        longest_wait_seconds=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
        speed_of_answer_total=float(row.speed_total), handle_total=float(row.handle_total), handled=int(row.handled),
    )


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _window(query: Select, *, start: datetime, end: datetime, policy: FigurePolicy) -> Select:
    # started_at is indexed and precedes entry to the queue: it narrows the scan to the window
    earliest_start = start - timedelta(seconds=policy.stale_wait_seconds)
    return query.where(Call.entered_queue_at.is_not(None), Call.entered_queue_at >= _instant(start),
                       Call.entered_queue_at < _instant(end), Call.started_at >= _instant(earliest_start),
                       Call.started_at < _instant(end))


async def figures_by_queue(session: AsyncSession, *, start: datetime, end: datetime, now: datetime,
                           policy: FigurePolicy, queue: str | None = None,
                           region: str | None = None) -> dict[str | None, Figures]:
    """Figures per queue of the calls that entered a queue in [start, end) (of one region: the calls
    whose region code starts with `region`)."""
    query = select(Call.queue, *figure_columns(now=now, policy=policy, dialect=_dialect(session)))
    query = _window(query, start=start, end=end, policy=policy).group_by(Call.queue)
    if queue is not None:
        query = query.where(Call.queue == queue)
    if region is not None:
        query = query.where(Call.region_code.startswith(region))
    return {row.queue: row_to_figures(row, now=now) for row in await session.execute(query)}


async def figures_by_agent(session: AsyncSession, *, start: datetime, end: datetime, now: datetime,
                           policy: FigurePolicy) -> dict[int, Figures]:
    """Per agent: the calls each answered (answered, 15-s service level, ASA, AHT)."""
    query = select(Call.agent_id, *figure_columns(now=now, policy=policy, dialect=_dialect(session)))
    query = _window(query, start=start, end=end, policy=policy)
    query = query.where(Call.agent_id.is_not(None), Call.answered_at.is_not(None), Call.answered_at <= _instant(now))
    return {row.agent_id: row_to_figures(row, now=now) for row in await session.execute(query.group_by(Call.agent_id))}


async def figures_by_half_hour(session: AsyncSession, *, start: datetime, end: datetime, now: datetime,
                               policy: FigurePolicy) -> dict[tuple[str | None, int], Figures]:
    """Figures per (queue, half hour since start) — the wallboard's chart and today's figures in one query."""
    dialect = _dialect(session)
    elapsed = seconds_between(Call.entered_queue_at, _instant(start), dialect) / HALF_HOUR.total_seconds()
    # entries are never before start, so truncation is floor (SQLite has no floor() everywhere)
    slot = cast(elapsed, Integer) if dialect == "sqlite" else func.floor(elapsed)
    slot = slot.label("slot")
    query = select(Call.queue, slot, *figure_columns(now=now, policy=policy, dialect=dialect))
    query = _window(query, start=start, end=end, policy=policy).group_by(Call.queue, slot)
    return {(row.queue, int(row.slot)): row_to_figures(row, now=now) for row in await session.execute(query)}


async def call_records(session: AsyncSession, *, start: datetime, end: datetime,
                       queues: Sequence[str] | None = None) -> list[CallRecord]:
    """The raw records of a window (small windows and tests; the figures use the aggregates)."""
    query = select(Call.id, Call.entered_queue_at, Call.answered_at, Call.ended_at, Call.disposition, Call.queue,
                   Call.agent_id).where(Call.entered_queue_at >= _instant(start), Call.entered_queue_at < _instant(end))
    if queues:
        query = query.where(Call.queue.in_(queues))
    return [CallRecord(id=r.id, entered_queue_at=r.entered_queue_at, answered_at=r.answered_at, ended_at=r.ended_at,
                       disposition=r.disposition, queue=r.queue, agent=None if r.agent_id is None else str(r.agent_id))
            for r in await session.execute(query)]
