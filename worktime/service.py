"""Working time as the other domains see it: the calendar and the time-limit policy, from the
database, cached per process.

The calendar is built from `calendar_days`. Seeded rows come from worktime.holidays for every
year chinese_calendar publishes; years after that use the statutory fallback (computed, not
stored) and are provisional. An administrator's entry (source=admin) replaces the seeded row
for that date.

The time-limit policy (第十三条 as data) is stored in versions: seeded, published by
administrators, read by tickets (each ticket keeps the version it was timed under).

Both caches are keyed by a token in Redis that every change replaces, so every process
rebuilds after a change made anywhere.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound, Unprocessable
from core.settings import Settings
from core.timeutil import business_time, utcnow
from models import CalendarDay, TimeLimitPolicyVersion
from worktime import (
    DEFAULT_POLICY,
    DayKind,
    TimeLimitPolicy,
    WorkingCalendar,
    known_years,
    policy_from_dict,
    policy_to_dict,
    repository,
    seeded_day_kinds,
)

CALENDAR_TOKEN_KEY = "hotline:calendar:token"
LAST_YEAR = 2100
_cache: dict[tuple[str, str], tuple[str, WorkingCalendar]] = {}

# versions are immutable once published, so parsed policies can be kept for the process's life
_parsed: dict[str, TimeLimitPolicy] = {}
# which version is active, per database, valid while the Redis token is unchanged (bumped on every change)
POLICY_TOKEN_KEY = "hotline:policy:token"
_active_cache: dict[str, tuple[str, str]] = {}


# ---------------------------------------------------------------- the calendar


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
    existing = await repository.stored_days(session)
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
    kinds.update(dict(await repository.day_kinds(session)))
    return WorkingCalendar(kinds, periods=parse_periods(settings.worktime.working_periods), known_years=published,
                           first_year=first_year(), last_year=LAST_YEAR)


async def current_token(redis: Redis, key: str) -> str:
    """A cache's version token (made on first use, e.g. after Redis was emptied)."""
    token = await redis.get(key)
    if token is None:
        await redis.set(key, uuid.uuid4().hex, nx=True)
        token = await redis.get(key)
    return token


async def bump_calendar_token(redis: Redis) -> None:
    """Invalidate every process's cached calendar (call after the change is committed)."""
    await redis.set(CALENDAR_TOKEN_KEY, uuid.uuid4().hex)


async def get_calendar(session: AsyncSession, redis: Redis, settings: Settings) -> WorkingCalendar:
    """The cached calendar, rebuilt when the token changed since it was built."""
    key = (settings.database.database_url, settings.worktime.working_periods)
    token = await current_token(redis, CALENDAR_TOKEN_KEY)
    cached = _cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    calendar = await build_calendar(session, settings)
    _cache[key] = (token, calendar)
    return calendar


async def set_day(session: AsyncSession, *, day: date, kind: str, note: str | None, actor: str) -> CalendarDay:
    """Record an administrator's kind for a date (wins over the seeded one)."""
    row = await repository.get_day(session, day)
    if row is None:
        row = CalendarDay(day=day, kind=kind, source="admin", note=note, updated_by=actor, updated_at=utcnow())
        session.add(row)
    else:
        row.kind, row.source, row.note, row.updated_by, row.updated_at = kind, "admin", note, actor, utcnow()
    await session.flush()
    return row


async def days_of_year(session: AsyncSession, year: int) -> list[dict]:
    """Non-default days of a year: table rows, plus the statutory fallback for an unpublished year."""
    rows = await repository.days_between(session, date(year, 1, 1), date(year, 12, 31))
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
    return business_time(moment).isoformat(timespec="seconds")


# ---------------------------------------------------------------- the time-limit policy
async def seed_default_policy(session: AsyncSession, _settings: Settings | None = None) -> bool:
    """Publish worktime's DEFAULT_POLICY as the first active version of an empty table."""
    if await repository.any_policy(session):
        return False
    session.add(TimeLimitPolicyVersion(version=DEFAULT_POLICY.version, body=policy_to_dict(DEFAULT_POLICY),
                                       published_by="seed", active=True, note="四川省12345热线运行管理办法（征求意见稿）第十三条"))
    await session.flush()
    return True


async def active_version(session: AsyncSession) -> TimeLimitPolicyVersion:
    """The active policy row (the first one is seeded at start-up: cli/seeding.py)."""
    row = await repository.active_policy(session)
    if row is None:
        raise Conflict("没有生效的时限政策 (no active time-limit policy)")
    return row


async def policy_by_version(session: AsyncSession, version: str) -> TimeLimitPolicy:
    """The parsed policy of a version (cached: published versions never change)."""
    policy = _parsed.get(version)
    if policy is None:
        row = await repository.policy_named(session, version)
        if row is None:
            raise NotFound(f"时限政策版本 {version} 不存在 (policy version not found)")
        policy = _parsed.setdefault(version, policy_from_dict(row.body))
    return policy


async def active_version_name(session: AsyncSession, redis: Redis) -> str:
    """The active version's name, cached until an administrator publishes or activates one."""
    bind = session.bind
    key = str(getattr(bind, "url", None) or bind.engine.url)
    token = await current_token(redis, POLICY_TOKEN_KEY)
    cached = _active_cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    version = (await active_version(session)).version
    _active_cache[key] = (token, version)
    return version


async def bump_policy_token(redis: Redis) -> None:
    """Make every process re-read the active version (call after the change is committed)."""
    await redis.set(POLICY_TOKEN_KEY, uuid.uuid4().hex)


def parse_policy(body: dict[str, Any]) -> TimeLimitPolicy:
    """Validate a submitted policy; any problem is a 422 naming the field."""
    try:
        return policy_from_dict(body)
    except (ValueError, TypeError) as error:
        raise Unprocessable(f"时限政策无效 (invalid policy): {error}") from None


async def publish(session: AsyncSession, *, body: dict[str, Any], note: str | None, actor: str,
                  activate: bool = True) -> TimeLimitPolicyVersion:
    """Store a new version (and make it the active one); an existing version name is a 409."""
    policy = parse_policy(body)
    if await repository.policy_name_taken(session, policy.version):
        raise Conflict(f"时限政策版本 {policy.version} 已存在 (version exists; versions are immutable)")
    if activate:
        await repository.deactivate_policies(session)
    row = TimeLimitPolicyVersion(version=policy.version, body=policy_to_dict(policy), published_by=actor,
                                 note=note, active=activate)
    session.add(row)
    await session.flush()
    return row


async def activate(session: AsyncSession, *, version: str) -> TimeLimitPolicyVersion:
    """Make an already published version the active one (e.g. roll back)."""
    row = await repository.policy_named(session, version)
    if row is None:
        raise NotFound(f"时限政策版本 {version} 不存在 (policy version not found)")
    await repository.deactivate_policies(session)
    row.active = True
    await session.flush()
    return row


async def list_versions(session: AsyncSession) -> list[TimeLimitPolicyVersion]:
    return await repository.all_policies(session)
