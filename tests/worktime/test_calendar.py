"""WorkingCalendar arithmetic against the real 2025–2026 schedules and the 2027 fallback."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from worktime.calendar import SHANGHAI, DayKind, Deadline, WorkingCalendar
from worktime.holidays import fallback_day_kinds, published_day_kinds

# Built explicitly (not from known_years()) so these tests keep meaning the same
# when chinesecalendar starts publishing 2027: 2025–2026 are published, 2027 is not.
CAL = WorkingCalendar(
    {**published_day_kinds(2025), **published_day_kinds(2026), **fallback_day_kinds(2027)},
    known_years={2025, 2026},
    first_year=2025,
    last_year=2027,
)
HOURS_PER_DAY = 7  # 09:00–12:00 and 13:30–17:30


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware Shanghai datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due", "provisional"),
    [
        # Spring Festival 2025: holidays Jan 28–Feb 4, make-up days Sun Jan 26 and Sat Feb 8.
        (at(2025, 1, 24, 10), 1, at(2025, 1, 26, 17, 30), False),
        (at(2025, 1, 24, 10), 2, at(2025, 1, 27, 17, 30), False),
        (at(2025, 1, 24, 10), 3, at(2025, 2, 5, 17, 30), False),
        (at(2025, 1, 24, 10), 5, at(2025, 2, 7, 17, 30), False),
        (at(2025, 1, 24, 10), 6, at(2025, 2, 8, 17, 30), False),
        (at(2025, 1, 24, 10), 15, at(2025, 2, 20, 17, 30), False),
        (at(2025, 1, 28, 10), 1, at(2025, 2, 5, 17, 30), False),  # start on 除夕, a holiday
        # Spring Festival 2026: holidays Feb 15–23, make-up days Sat Feb 14 and Sat Feb 28.
        (at(2026, 2, 13, 11), 1, at(2026, 2, 14, 17, 30), False),
        (at(2026, 2, 14, 9, 30), 1, at(2026, 2, 24, 17, 30), False),
        (at(2026, 2, 14, 9, 30), 5, at(2026, 2, 28, 17, 30), False),
        # New Year 2026: Jan 1–3 off, Sunday Jan 4 worked.
        (at(2025, 12, 31, 10), 1, at(2026, 1, 4, 17, 30), False),
        # National Day 2025: Oct 1–8 off, make-up days Sun Sep 28 and Sat Oct 11.
        (at(2025, 9, 27, 10), 1, at(2025, 9, 28, 17, 30), False),
        (at(2025, 9, 30, 10), 1, at(2025, 10, 9, 17, 30), False),
        (at(2025, 9, 30, 10), 3, at(2025, 10, 11, 17, 30), False),
        # National Day 2026: Oct 1–7 off, make-up days Sun Sep 20 and Sat Oct 10.
        (at(2026, 9, 19, 10), 1, at(2026, 9, 20, 17, 30), False),
        (at(2026, 9, 30, 14), 1, at(2026, 10, 8, 17, 30), False),
        (at(2026, 10, 9, 10), 1, at(2026, 10, 10, 17, 30), False),
        # Starts on a weekend, after closing, before opening: the start's day never counts.
        (at(2025, 3, 8, 10), 1, at(2025, 3, 10, 17, 30), False),
        (at(2025, 3, 11, 20), 1, at(2025, 3, 12, 17, 30), False),
        (at(2025, 3, 11, 7), 1, at(2025, 3, 12, 17, 30), False),
        # 2026 → 2027: a result in the unpublished year is provisional.
        (at(2026, 12, 18, 10), 5, at(2026, 12, 25, 17, 30), False),
        (at(2026, 12, 30, 10), 1, at(2026, 12, 31, 17, 30), False),
        (at(2026, 12, 30, 10), 2, at(2027, 1, 4, 17, 30), True),  # Fri 2027-01-01 is 元旦
        (at(2027, 2, 4, 10), 1, at(2027, 2, 9, 17, 30), True),  # 除夕 Fri Feb 5, 初三 Mon Feb 8
        # Zero days: a zero-length limit is due at the start.
        (at(2025, 3, 8, 10), 0, at(2025, 3, 8, 10), False),
    ],
)
def test_add_working_days(start, days, due, provisional):
    assert CAL.add_working_days(start, days) == Deadline(due, provisional)


@pytest.mark.parametrize(
    ("start", "hours", "due", "provisional"),
    [
        (at(2025, 3, 11, 9), 3, at(2025, 3, 11, 12), False),  # reached at 12:00, not 13:30
        (at(2025, 3, 11, 9), 7, at(2025, 3, 11, 17, 30), False),  # reached at closing, not next 09:00
        (at(2025, 3, 11, 9), 7.5, at(2025, 3, 12, 9, 30), False),
        (at(2025, 3, 11, 11), 3, at(2025, 3, 11, 15, 30), False),  # across the lunch break
        (at(2025, 3, 11, 12, 30), 1, at(2025, 3, 11, 14, 30), False),  # start in the lunch break
        (at(2025, 3, 11, 12), 0.5, at(2025, 3, 11, 14), False),
        (at(2025, 3, 11, 18), 1, at(2025, 3, 12, 10), False),  # start after closing
        (at(2025, 3, 11, 17, 30), 0.5, at(2025, 3, 12, 9, 30), False),  # start at closing
        (at(2025, 3, 11, 6), 3, at(2025, 3, 11, 12), False),  # start before opening
        (at(2025, 3, 8, 10), 3, at(2025, 3, 10, 12), False),  # start on a Saturday
        (at(2025, 1, 25, 10), 3, at(2025, 1, 26, 12), False),  # Saturday rest, Sunday make-up
        (at(2025, 1, 28, 10), 3, at(2025, 2, 5, 12), False),  # start on a holiday
        (at(2025, 1, 27, 16), 3, at(2025, 2, 5, 10, 30), False),  # across Spring Festival 2025
        (at(2026, 2, 13, 15), 3, at(2026, 2, 14, 9, 30), False),  # into the Saturday make-up day
        (at(2025, 9, 30, 17), 3, at(2025, 10, 9, 11, 30), False),  # across National Day 2025
        (at(2025, 12, 31, 17), 1, at(2026, 1, 4, 9, 30), False),  # into the Sunday make-up day
        (at(2026, 12, 31, 16), 1, at(2026, 12, 31, 17), False),
        (at(2026, 12, 31, 16), 3, at(2027, 1, 4, 10, 30), True),
        (at(2025, 3, 11, 20), 0, at(2025, 3, 11, 20), False),  # zero hours: due at the start
    ],
)
def test_add_working_hours(start, hours, due, provisional):
    assert CAL.add_working_hours(start, hours) == Deadline(due, provisional)


def test_results_are_in_shanghai_whatever_the_input_zone():
    start = datetime(2025, 3, 11, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    deadline = CAL.add_working_hours(start, 3)
    assert deadline.due_at == at(2025, 3, 11, 12)
    assert deadline.due_at.tzinfo is SHANGHAI


def test_add_calendar_hours_counts_nights_and_holidays_and_is_never_provisional():
    assert CAL.add_calendar_hours(at(2025, 10, 1, 22), 4) == Deadline(at(2025, 10, 2, 2), False)
    assert CAL.add_calendar_hours(at(2027, 1, 1, 10), 2) == Deadline(at(2027, 1, 1, 12), False)


@pytest.mark.parametrize(
    ("earlier", "later", "hours"),
    [
        (at(2025, 3, 11, 9), at(2025, 3, 11, 17, 30), 7),
        (at(2025, 3, 11, 12), at(2025, 3, 11, 13, 30), 0),  # lunch break
        (at(2025, 3, 7, 17), at(2025, 3, 10, 10), 1.5),  # over a weekend
        (at(2025, 1, 27, 9), at(2025, 2, 5, 9), 7),  # over Spring Festival 2025
        (at(2025, 1, 25), at(2025, 1, 27), 7),  # the Sunday make-up day counts
        (at(2025, 3, 11, 17, 30), at(2025, 3, 11, 9), -7),  # reversed: negative
    ],
)
def test_working_time_between(earlier, later, hours):
    assert CAL.working_time_between(earlier, later) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 26), True),  # Sunday make-up day
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 8), True),  # Saturday make-up day
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),
        (date(2025, 3, 8), False),  # ordinary Saturday
        (date(2025, 3, 10), True),  # ordinary Monday
        (date(2027, 1, 1), False),  # fallback 元旦
        (date(2027, 2, 8), False),  # fallback 初三
        (date(2027, 2, 9), True),  # no make-up days are invented in fallback years
        # An aware datetime is read in Shanghai: Saturday 17:00 UTC is Sunday 01:00 there.
        (datetime(2025, 1, 25, 17, tzinfo=UTC), True),
    ],
)
def test_is_workday(day, expected):
    assert CAL.is_workday(day) is expected


def test_admin_override_wins_over_seeded_data_and_leaves_the_original_alone():
    cancelled_makeup = CAL.with_overrides({date(2025, 1, 26): DayKind.HOLIDAY})
    assert cancelled_makeup.add_working_days(at(2025, 1, 24, 10), 1).due_at == at(2025, 1, 27, 17, 30)
    assert CAL.add_working_days(at(2025, 1, 24, 10), 1).due_at == at(2025, 1, 26, 17, 30)

    extra_saturday = CAL.with_overrides({date(2025, 3, 8): "workday"})  # as stored in the DB
    assert extra_saturday.add_working_days(at(2025, 3, 7, 10), 1).due_at == at(2025, 3, 8, 17, 30)


def test_confirmed_years_make_results_final():
    published_2027 = CAL.with_overrides({date(2027, 2, 9): DayKind.HOLIDAY}, confirmed_years={2027})
    assert published_2027.add_working_days(at(2027, 2, 4, 10), 1) == Deadline(at(2027, 2, 10, 17, 30), False)
    # An override alone does not publish a year.
    assert (
        CAL.with_overrides({date(2027, 2, 9): DayKind.HOLIDAY})
        .add_working_days(at(2027, 2, 4), 1)
        .provisional
    )


def test_custom_periods():
    single_shift = WorkingCalendar({}, periods=[(time(8, 30), time(17))], first_year=2025, last_year=2025)
    assert single_shift.working_day_length == timedelta(hours=8.5)
    assert single_shift.add_working_days(at(2025, 3, 10, 10), 1).due_at == at(2025, 3, 11, 17)
    assert single_shift.add_working_hours(at(2025, 3, 10, 16), 2).due_at == at(2025, 3, 11, 9, 30)


NAIVE = datetime(2025, 3, 11, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_hours(NAIVE, 1),
        lambda: CAL.add_working_days(NAIVE, 1),
        lambda: CAL.add_calendar_hours(NAIVE, 1),
        lambda: CAL.working_time_between(NAIVE, at(2025, 3, 12)),
        lambda: CAL.working_time_between(at(2025, 3, 10), NAIVE),
        lambda: CAL.is_workday(NAIVE),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CAL.add_working_days(at(2025, 3, 11), -1), "non-negative"),
        (lambda: CAL.add_working_days(at(2025, 3, 11), True), "non-negative"),
        (lambda: CAL.add_working_days(at(2025, 3, 11), 1.5), "non-negative"),
        (lambda: CAL.add_working_hours(at(2025, 3, 11), -0.5), "between"),
        (lambda: CAL.add_working_hours(at(2025, 3, 11), math.nan), "finite"),
        (lambda: CAL.add_working_hours(at(2025, 3, 11), math.inf), "finite"),
        (lambda: CAL.add_working_days(at(2024, 12, 31, 10), 1), "outside the calendar's range 2025..2027"),
        (lambda: CAL.working_time_between(at(2028, 1, 1), at(2028, 1, 2)), "outside"),
        (lambda: CAL.add_working_days(at(2027, 12, 29), 5), "after 2027"),
        (lambda: CAL.add_working_hours(at(2027, 12, 31, 9), 8), "after 2027"),
    ],
)
def test_bad_arguments_and_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periods": []}, "at least one"),
        ({"periods": [(time(13), time(12))]}, "ordered"),
        ({"periods": [(time(9), time(12)), (time(11), time(17))]}, "overlap"),
        ({"day_kinds": {date(2025, 1, 1): "day-off"}}, "unknown day kind"),
        ({"first_year": 2027, "last_year": 2025}, "invalid calendar range"),
    ],
)
def test_construction_is_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**{"day_kinds": {}, **kwargs})


def test_day_kind_keys_must_be_plain_dates():
    with pytest.raises(TypeError, match="must be a date"):
        WorkingCalendar({datetime(2025, 1, 1, tzinfo=SHANGHAI): DayKind.HOLIDAY})


# --- properties ---------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31, 23, 59), timezones=st.just(SHANGHAI)
)
hours = st.floats(min_value=0, max_value=300, allow_nan=False, allow_infinity=False)


@st.composite
def starts_in_working_time(draw):
    """A moment inside a working period of a 2025–2026 working day."""
    day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 729)))
    assume(CAL.is_workday(day))
    minute = draw(st.integers(0, HOURS_PER_DAY * 60 - 1))
    opening = time(9) if minute < 180 else time(13, 30)
    offset = minute if minute < 180 else minute - 180
    return datetime.combine(day, opening, tzinfo=SHANGHAI) + timedelta(minutes=offset)


@given(start=starts_in_working_time(), amount=hours)
def test_working_time_to_the_deadline_is_the_limit(start, amount):
    deadline = CAL.add_working_hours(start, amount)
    assert CAL.working_time_between(start, deadline.due_at) == timedelta(hours=amount)


@given(start=starts, amount=hours)
def test_working_time_to_the_deadline_is_the_limit_from_any_start(start, amount):
    deadline = CAL.add_working_hours(start, amount)
    assert deadline.due_at >= start
    assert CAL.working_time_between(start, deadline.due_at) == timedelta(hours=amount)


@given(start=starts, first=hours, second=hours)
def test_add_working_hours_is_monotonic(start, first, second):
    low, high = sorted((first, second))
    assert CAL.add_working_hours(start, low).due_at <= CAL.add_working_hours(start, high).due_at


@given(start=starts, amount=st.floats(min_value=1 / 3600, max_value=300))  # ≥ 1 s: below 1 µs is zero
def test_positive_hour_limits_end_inside_working_time(start, amount):
    due = CAL.add_working_hours(start, amount).due_at
    assert CAL.is_workday(due)
    assert time(9) < due.time() <= time(12) or time(13, 30) < due.time() <= time(17, 30)


@given(start=starts, days=st.integers(1, 60))
def test_add_working_days_ends_at_closing_after_exactly_n_working_days(start, days):
    due = CAL.add_working_days(start, days).due_at
    assert CAL.is_workday(due) and due.time() == time(17, 30)
    after_start_day = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    assert CAL.working_time_between(after_start_day, due) == timedelta(hours=HOURS_PER_DAY * days)


def reference_add_working_hours(start: datetime, amount: timedelta) -> datetime:
    """A slow day-by-day walk, independent of the calendar's working-time axis."""
    day, remaining = start.date(), amount
    while True:
        if CAL.is_workday(day):
            for opening, closing in ((time(9), time(12)), (time(13, 30), time(17, 30))):
                begin = max(start, datetime.combine(day, opening, tzinfo=SHANGHAI))
                end = datetime.combine(day, closing, tzinfo=SHANGHAI)
                if begin < end:
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
        day += timedelta(days=1)


@given(start=starts, minutes=st.integers(1, 20_000))
def test_add_working_hours_matches_a_day_by_day_walk(start, minutes):
    expected = reference_add_working_hours(start, timedelta(minutes=minutes))
    assert CAL.add_working_hours(start, minutes / 60).due_at == expected
