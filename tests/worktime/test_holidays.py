"""Seeding day kinds from chinese_calendar's published schedules and the statutory fallback."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from worktime.calendar import DayKind
from worktime.holidays import (
    fallback_day_kinds,
    known_years,
    published_day_kinds,
    qingming,
    seeded_calendar,
    seeded_day_kinds,
    statutory_holidays,
)

H, W = DayKind.HOLIDAY, DayKind.WORKDAY


def test_known_years_are_the_published_run_from_2004():
    years = known_years()
    assert min(years) == 2004
    assert years == frozenset(range(2004, max(years) + 1))
    assert {2025, 2026} <= years


def test_published_2025_lists_weekday_holidays_and_weekend_makeup_days_only():
    assert published_day_kinds(2025) == {
        date(2025, 1, 1): H,
        date(2025, 1, 26): W,  # Sunday worked before Spring Festival
        **{date(2025, 1, day): H for day in (28, 29, 30, 31)},
        date(2025, 2, 3): H,
        date(2025, 2, 4): H,  # Feb 1–2 are a weekend: rest by default, not listed
        date(2025, 2, 8): W,  # Saturday worked after Spring Festival
        date(2025, 4, 4): H,
        date(2025, 4, 27): W,
        **{date(2025, 5, day): H for day in (1, 2, 5)},
        date(2025, 6, 2): H,
        date(2025, 9, 28): W,
        **{date(2025, 10, day): H for day in (1, 2, 3, 6, 7, 8)},
        date(2025, 10, 11): W,
    }


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 1, 4), W),
        (date(2026, 2, 14), W),
        (date(2026, 2, 16), H),  # 除夕
        (date(2026, 2, 23), H),
        (date(2026, 2, 28), W),
        (date(2026, 9, 20), W),
        (date(2026, 10, 7), H),
        (date(2026, 10, 10), W),
    ],
)
def test_published_2026_samples(day, kind):
    assert published_day_kinds(2026)[day] is kind


def test_statutory_holidays_2027_from_the_lunar_calendar():
    # Lunar new year 2027 is Feb 6, so 除夕 is Feb 5; 端午 Jun 9; 中秋 Sep 15; 清明 Apr 5.
    assert statutory_holidays(2027) == {
        date(2027, 1, 1): "new_year",
        date(2027, 2, 5): "spring_festival",
        date(2027, 2, 6): "spring_festival",
        date(2027, 2, 7): "spring_festival",
        date(2027, 2, 8): "spring_festival",
        date(2027, 4, 5): "qingming",
        date(2027, 5, 1): "labour_day",
        date(2027, 5, 2): "labour_day",
        date(2027, 6, 9): "dragon_boat",
        date(2027, 9, 15): "mid_autumn",
        date(2027, 10, 1): "national_day",
        date(2027, 10, 2): "national_day",
        date(2027, 10, 3): "national_day",
    }


def test_fallback_2027_keeps_weekday_holidays_and_invents_no_makeup_days():
    assert fallback_day_kinds(2027) == {
        date(2027, 1, 1): H,  # Friday
        date(2027, 2, 5): H,  # 除夕, Friday (初一 and 初二 are a weekend)
        date(2027, 2, 8): H,  # 初三, Monday
        date(2027, 4, 5): H,  # 清明, Monday
        date(2027, 6, 9): H,  # 端午, Wednesday
        date(2027, 9, 15): H,  # 中秋, Wednesday
        date(2027, 10, 1): H,  # Friday (Oct 2–3 are a weekend; May 1–2 too)
    }


def test_a_festival_sharing_a_date_counts_once():
    # 中秋 2028 falls on Oct 3, inside 国庆.
    holidays = statutory_holidays(2028)
    assert len(holidays) == 12
    assert date(2028, 10, 3) in holidays


@pytest.mark.parametrize(
    ("year", "day"),
    [(2024, 4), (2025, 4), (2026, 5), (2027, 5), (2028, 4), (2029, 4), (2030, 5)],
)
def test_qingming_dates(year, day):
    # 2026: the term falls at 02:40 on Apr 5 China time (Apr 4 in UTC).
    assert qingming(year) == date(year, 4, day)


def test_computed_qingming_is_a_holiday_in_every_published_year_since_2008():
    # 清明 became a public holiday in 2008.
    published = set(chinese_calendar.holidays)
    assert all(qingming(year) in published for year in sorted(known_years()) if year >= 2008)


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_rule_matches_the_published_schedules_since_2025(year):
    assert set(statutory_holidays(year)) <= set(chinese_calendar.holidays)


def test_seeded_day_kinds_use_published_data_where_known_and_the_fallback_after():
    first_unknown = max(known_years()) + 1
    assert seeded_day_kinds([2025, 2026]) == {**published_day_kinds(2025), **published_day_kinds(2026)}
    assert seeded_day_kinds([first_unknown]) == fallback_day_kinds(first_unknown)


def test_seeded_calendar_knows_the_published_years():
    calendar = seeded_calendar()
    assert calendar.known_years == known_years()
    assert calendar.year_range == (2004, 2100)
    assert calendar.is_workday(date(2025, 1, 26))
    assert not calendar.is_workday(date(2100, 1, 1))  # a Friday: fallback 元旦


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: published_day_kinds(max(known_years()) + 1), "no published schedule"),
        (lambda: statutory_holidays(2101), "1901..2100"),
        (lambda: statutory_holidays(1900), "1901..2100"),
    ],
)
def test_unsupported_years(call, message):
    with pytest.raises(ValueError, match=message):
        call()
