"""Seed day kinds from the published schedules, or from the statutory rule where none is published.

The State Council publishes each year's schedule (放假安排, with 调休 make-up working
days) late in the previous year; `chinese_calendar` ships those schedules. For a year
it does not know yet we fall back to the statutory holidays alone (《全国年节及纪念日
放假办法》 as revised by the State Council in November 2024, in force since 2025):

    元旦 Jan 1 · 春节 除夕 + 正月初一..初三 (4 days) · 清明 the Qingming solar term ·
    劳动节 May 1–2 · 端午 lunar 5/5 · 中秋 lunar 8/15 · 国庆 Oct 1–3

Only those falling on Mon–Fri become holidays and no make-up days are invented:
the real schedule usually moves days around, so deadlines in such years are
provisional until administrators enter the published schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from borax.calendars.lunardate import LunarDate

from worktime.calendar import DEFAULT_PERIODS, SHANGHAI, DayKind, WorkingCalendar

# Lunar conversion (borax) and the solar-term formula (chinese_calendar) cover these.
FALLBACK_FIRST_YEAR = 1901
FALLBACK_LAST_YEAR = 2100

# The 2024 revision applies from 2025. Earlier years are all published in
# chinese_calendar (2004–2026), so the fallback is only meant for later years.
STATUTORY_RULE = "全国年节及纪念日放假办法 (2024 revision, in force 2025-01-01)"


def known_years() -> frozenset[int]:
    """Years whose official schedule chinese_calendar ships."""
    return frozenset(day.year for day in chinese_calendar.holidays)


def published_day_kinds(year: int) -> dict[date, DayKind]:
    """Non-default days of a published year: Mon–Fri holidays and Sat/Sun make-up workdays."""
    if year not in known_years():
        raise ValueError(f"chinese_calendar has no published schedule for {year}")
    kinds = {
        day: DayKind.HOLIDAY for day in chinese_calendar.holidays if day.year == year and day.weekday() < 5
    }
    kinds.update(
        (day, DayKind.WORKDAY) for day in chinese_calendar.workdays if day.year == year and day.weekday() >= 5
    )
    return kinds


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holiday dates of a year under the current rule, with festival names."""
    if not FALLBACK_FIRST_YEAR <= year <= FALLBACK_LAST_YEAR:
        raise ValueError(
            f"statutory holidays can be computed for {FALLBACK_FIRST_YEAR}..{FALLBACK_LAST_YEAR}, not {year}"
        )
    holidays: dict[date, str] = {}
    # Where two festivals share a date (中秋 on 10-01, as in 2020) the first name stays.
    add = holidays.setdefault
    add(date(year, 1, 1), "new_year")  # 元旦
    lunar_new_year = _solar_date(year, 1, 1)
    for offset in range(-1, 3):  # 除夕 .. 正月初三
        add(lunar_new_year + timedelta(days=offset), "spring_festival")
    add(qingming(year), "qingming")  # 清明
    add(date(year, 5, 1), "labour_day")  # 劳动节
    add(date(year, 5, 2), "labour_day")
    add(_solar_date(year, 5, 5), "dragon_boat")  # 端午
    add(_solar_date(year, 8, 15), "mid_autumn")  # 中秋
    for day in (1, 2, 3):
        add(date(year, 10, day), "national_day")  # 国庆
    return dict(sorted(holidays.items()))


def fallback_day_kinds(year: int) -> dict[date, DayKind]:
    """Day kinds for a year without a published schedule: statutory holidays on Mon–Fri only."""
    return {day: DayKind.HOLIDAY for day in statutory_holidays(year) if day.weekday() < 5}


def seeded_day_kinds(years: Iterable[int]) -> dict[date, DayKind]:
    """Day kinds for the given years: published where known, statutory fallback elsewhere."""
    published = known_years()
    kinds: dict[date, DayKind] = {}
    for year in sorted(set(years)):
        kinds.update(published_day_kinds(year) if year in published else fallback_day_kinds(year))
    return kinds


def seeded_calendar(
    first_year: int | None = None,
    last_year: int = FALLBACK_LAST_YEAR,
    periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
    tz: ZoneInfo = SHANGHAI,
) -> WorkingCalendar:
    """A WorkingCalendar seeded for a year range (default: first published year to 2100)."""
    # A first_year before the first published year would apply today's statutory
    # rule to years it did not govern; the default avoids that.
    published = known_years()
    first = min(published) if first_year is None else first_year
    return WorkingCalendar(
        seeded_day_kinds(range(first, last_year + 1)),
        periods=periods,
        tz=tz,
        known_years=published,
        first_year=first,
        last_year=last_year,
    )


def qingming(year: int) -> date:
    """Date (China time) of the Qingming solar term, when the sun reaches longitude 15°."""
    april = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    # get_solar_terms names terms in Chinese; it uses the 寿星 formula with its
    # table of corrections, which agrees with an ephemeris for 1901–2099.
    return next(day for day, name in april if name == "清明")


def _solar_date(year: int, lunar_month: int, lunar_day: int) -> date:
    """Gregorian date of a day in a (non-leap) month of the given lunar year."""
    return LunarDate(year, lunar_month, lunar_day).to_solar_date()
