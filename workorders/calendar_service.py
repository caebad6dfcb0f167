"""The working-time calendar as the services see it: built from `calendar_days`, cached per process.

Seeded rows come from worktime.holidays for every year chinese_calendar publishes; years
after that use the statutory fallback (computed, not stored) and are provisional. An
administrator's entry (source=admin) replaces the seeded row for that date. The cache is
keyed by a token in Redis that every change replaces, so every process rebuilds after a
change made anywhere.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from functools import lru_cache

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from core.timeutil import utcnow
from models import CalendarDay
from worktime import DayKind, WorkingCalendar, known_years, seeded_day_kinds

TOKEN_KEY = "hotline:calendar:token"
LAST_YEAR = 2100
_cache: dict[tuple[str, str], tuple[str, WorkingCalendar]] = {}


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """'09:00-12:00,13:30-17:30' → ((09:00, 12:00), (13:30, 17:30)); ValueError if malformed."""
    periods = []
    for part in text.split(","):
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise ValueError(f"working period {part!r} is not HH:MM-HH:MM")
        periods.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return tuple(periods)


def first_year() -> int:
    """The first year the calendar computes in (the first published year)."""
    return min(known_years())


def year_range() -> tuple[int, int]:
    return first_year(), LAST_YEAR


@lru_cache(maxsize=1)
def _fallback_kinds(from_year: int) -> dict[date, DayKind]:
    """Statutory fallback days of every year from from_year to LAST_YEAR (pure, memoised)."""
    return seeded_day_kinds(range(from_year, LAST_YEAR + 1)) if from_year <= LAST_YEAR else {}


async def seed_calendar_days(session: AsyncSession, _settings: Settings | None = None) -> int:
    """Insert the published schedule of every known year that is missing; admin rows are never touched."""
    existing = set((await session.scalars(select(CalendarDay.day))).all())
    kinds = seeded_day_kinds(sorted(known_years()))
    added = 0
    for day, kind in sorted(kinds.items()):
        if day not in existing:
            session.add(CalendarDay(day=day, kind=kind.value, source="seeded", updated_by="seed"))
            added += 1
    await session.flush()
    return added


async def build_calendar(session: AsyncSession, settings: Settings) -> WorkingCalendar:
    """A WorkingCalendar from the table (seeded + admin), with the fallback for unpublished years."""
    published = known_years()
    kinds: dict[date, DayKind | str] = dict(_fallback_kinds(max(published) + 1))
    rows = (await session.execute(select(CalendarDay.day, CalendarDay.kind))).tuples().all()
    kinds.update({day: kind for day, kind in rows})
    return WorkingCalendar(kinds, periods=parse_periods(settings.worktime.working_periods), known_years=published,
                           first_year=first_year(), last_year=LAST_YEAR)


async def current_token(redis: Redis, key: str = TOKEN_KEY) -> str:
    """A cache's version token (made on first use, e.g. after Redis was emptied)."""
    token = await redis.get(key)
    if token is None:
        await redis.set(key, uuid.uuid4().hex, nx=True)
        token = await redis.get(key)
    return token


async def bump_token(redis: Redis) -> None:
    """Invalidate every process's cached calendar (call after the change is committed)."""
    await redis.set(TOKEN_KEY, uuid.uuid4().hex)


async def get_calendar(session: AsyncSession, redis: Redis, settings: Settings) -> WorkingCalendar:
    """The cached calendar, rebuilt when the token changed since it was built."""
    key = (settings.database.database_url, settings.worktime.working_periods)
    token = await current_token(redis)
    cached = _cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    calendar = await build_calendar(session, settings)
    _cache[key] = (token, calendar)
    return calendar


async def set_day(session: AsyncSession, *, day: date, kind: str, note: str | None, actor: str) -> CalendarDay:
    """Record an administrator's kind for a date (wins over the seeded one)."""
    row = await session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, kind=kind, source="admin", note=note, updated_by=actor, updated_at=utcnow())
        session.add(row)
    else:
        row.kind, row.source, row.note, row.updated_by, row.updated_at = kind, "admin", note, actor, utcnow()
    await session.flush()
    return row


async def days_of_year(session: AsyncSession, year: int) -> list[dict]:
    """Non-default days of a year: table rows, plus the statutory fallback for an unpublished year."""
    rows = (await session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    )).all()
    days: dict[date, dict] = {}
    if year not in known_years():
        days = {d: {"date": d, "kind": k.value, "source": "fallback", "note": None, "updated_by": None}
                for d, k in _fallback_kinds(max(known_years()) + 1).items() if d.year == year}
    for row in rows:
        days[row.day] = {"date": row.day, "kind": row.kind, "source": row.source, "note": row.note,
                         "updated_by": row.updated_by}
    return [days[d] for d in sorted(days)]


def as_business_iso(moment: datetime) -> str:
    """ISO 8601 in Asia/Shanghai (+08:00), seconds precision."""
    from core.timeutil import business_time

    return business_time(moment).isoformat(timespec="seconds")
