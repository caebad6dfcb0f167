"""The working-time tables: `calendar_days` (seeded and administrators' days) and
`time_limit_policy_versions` (published policies, one active)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import CalendarDay, TimeLimitPolicyVersion


# ---------------------------------------------------------------- calendar days
async def stored_days(session: AsyncSession) -> set[date]:
    """Every date that has a row (seeded or an administrator's)."""
    return set((await session.scalars(select(CalendarDay.day))).all())


async def day_kinds(session: AsyncSession) -> list[tuple[date, str]]:
    """(date, kind) of every row."""
    return list((await session.execute(select(CalendarDay.day, CalendarDay.kind))).tuples().all())


async def get_day(session: AsyncSession, day: date) -> CalendarDay | None:
    return await session.get(CalendarDay, day)


async def days_between(session: AsyncSession, first: date, last: date) -> list[CalendarDay]:
    """The rows from first to last (inclusive)."""
    return list((await session.scalars(
        select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))).all())


# ---------------------------------------------------------------- time-limit policy versions
async def any_policy(session: AsyncSession) -> bool:
    """True once any version was published."""
    return await session.scalar(select(TimeLimitPolicyVersion.id).limit(1)) is not None


async def active_policy(session: AsyncSession) -> TimeLimitPolicyVersion | None:
    return await session.scalar(select(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.active.is_(True)))


async def policy_named(session: AsyncSession, version: str) -> TimeLimitPolicyVersion | None:
    return await session.scalar(select(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.version == version))


async def policy_name_taken(session: AsyncSession, version: str) -> bool:
    return await session.scalar(
        select(TimeLimitPolicyVersion.id).where(TimeLimitPolicyVersion.version == version)) is not None


async def deactivate_policies(session: AsyncSession) -> None:
    """No version active (right before one is made active)."""
    await session.execute(update(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.active.is_(True))
                          .values(active=False))
    await session.flush()


async def all_policies(session: AsyncSession) -> list[TimeLimitPolicyVersion]:
    """Every published version, oldest first."""
    return list((await session.scalars(select(TimeLimitPolicyVersion).order_by(TimeLimitPolicyVersion.id))).all())
