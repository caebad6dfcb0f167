"""Working-time arithmetic over a calendar of workdays, rest days and working periods.

All time limits in 第十三条 are counted in working hours or working days. A
``WorkingCalendar`` turns a moment into a position on a "working-time axis"
(microseconds of working time since the start of its range) and back, so every
operation is a bisect plus integer arithmetic, with no loop over days or minutes.

Working periods are wall-clock times. Asia/Shanghai has had no DST since 1991, so
no gap or fold handling is attempted for zones that have it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from math import isfinite
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
DEFAULT_FIRST_YEAR = 2000
DEFAULT_LAST_YEAR = 2100

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_ONE_US = timedelta(microseconds=1)
# A sanity bound that still allows any real limit (40 WD is about 280 h).
_MAX_HOURS = 100_000


class DayKind(StrEnum):
    """An explicit kind for one date, overriding the Mon–Fri default."""

    HOLIDAY = "holiday"  # 法定节假日 or other rest day falling on Mon–Fri
    WORKDAY = "workday"  # 调休 make-up working day falling on Sat/Sun


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed due time; provisional when it relied on an unpublished year."""

    due_at: datetime
    provisional: bool


class WorkingCalendar:
    """Immutable working-time calendar; construct once (≈ 40 ms for a century), share freely."""

    __slots__ = (
        "_bounds",
        "_closing",
        "_cumulative",
        "_day_us",
        "_first_ordinal",
        "_first_year",
        "_kinds",
        "_known_years",
        "_last_ordinal",
        "_last_year",
        "_periods",
        "_tz",
        "_workday_midnights",
        "_workdays",
    )

    def __init__(
        self,
        day_kinds: Mapping[date, DayKind | str],
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        tz: ZoneInfo = SHANGHAI,
        known_years: Iterable[int] = (),
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
    ) -> None:
        if not 1 <= first_year <= last_year <= 9998:
            raise ValueError(f"invalid calendar range {first_year}..{last_year}")
        self._kinds = _validated_kinds(day_kinds)
        self._periods = _validated_periods(periods)
        self._tz = tz
        self._known_years = frozenset(known_years)
        self._first_year, self._last_year = first_year, last_year
        self._first_ordinal = date(first_year, 1, 1).toordinal()
        self._last_ordinal = date(last_year, 12, 31).toordinal()
        # Flattened period boundaries [s0, e0, s1, e1, ...] in µs since midnight,
        # and the working time accumulated before each period.
        self._bounds = [_wall_us(t) for period in self._periods for t in period]
        self._cumulative = [0]
        for start_us, end_us in zip(self._bounds[::2], self._bounds[1::2]):
            self._cumulative.append(self._cumulative[-1] + end_us - start_us)
        self._day_us = self._cumulative[-1]
        self._closing = timedelta(microseconds=self._bounds[-1])
        self._workdays = self._workday_ordinals()
        # Aware local midnights of every working day: building a datetime is the
        # costliest step of a deadline, so do it once here (≈ 25k items, ≈ 20 ms).
        self._workday_midnights = [
            datetime.fromordinal(ordinal).replace(tzinfo=tz) for ordinal in self._workdays
        ]

    # --- construction helpers -------------------------------------------------

    def _workday_ordinals(self) -> list[int]:
        """Sorted ordinals of every working day in the calendar's range."""
        kinds, workday = self._kinds, DayKind.WORKDAY
        ordinals = []
        for ordinal in range(self._first_ordinal, self._last_ordinal + 1):
            day = date.fromordinal(ordinal)
            kind = kinds.get(day)
            if (kind is workday) if kind is not None else day.weekday() < 5:
                ordinals.append(ordinal)
        return ordinals

    def with_overrides(
        self, overrides: Mapping[date, DayKind | str], confirmed_years: Iterable[int] = ()
    ) -> WorkingCalendar:
        """A new calendar where administrators' overrides win over this one's day kinds."""
        # An override of some days does not publish a year; confirmed_years does.
        return WorkingCalendar(
            {**self._kinds, **_validated_kinds(overrides)},
            self._periods,
            self._tz,
            self._known_years | frozenset(confirmed_years),
            self._first_year,
            self._last_year,
        )

    # --- read-only properties -------------------------------------------------

    @property
    def day_kinds(self) -> Mapping[date, DayKind]:
        """The explicit day kinds (defaults are not listed)."""
        return MappingProxyType(self._kinds)

    @property
    def periods(self) -> tuple[tuple[time, time], ...]:
        """The daily working periods, in order."""
        return self._periods

    @property
    def tz(self) -> ZoneInfo:
        """The zone in which days and periods are read and results are given."""
        return self._tz

    @property
    def known_years(self) -> frozenset[int]:
        """Years whose holiday schedule is published (results there are not provisional)."""
        return self._known_years

    @property
    def year_range(self) -> tuple[int, int]:
        """First and last year (inclusive) the calendar can compute in."""
        return self._first_year, self._last_year

    @property
    def working_day_length(self) -> timedelta:
        """Working time in one working day (7 h with the default periods)."""
        return timedelta(microseconds=self._day_us)

    # --- public operations ----------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether a date (or the local date of an aware datetime) is a working day."""
        if isinstance(day, datetime):
            day = self._local(day).date()
        kind = self._kinds.get(day)
        if kind is None:
            return day.weekday() < 5
        return kind is DayKind.WORKDAY

    def add_working_hours(self, start: datetime, hours: float) -> Deadline:
        """The earliest moment at which `hours` of working time have elapsed since start."""
        local = self._local(start)
        amount = _hours_us(hours)
        position = self._position(local) + amount
        if amount == 0:
            return Deadline(local, self._provisional(local.year, local.year))
        due = self._moment_at(position)
        return Deadline(due, self._provisional(local.year, due.year))

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """Closing time of the N-th working day after start's day (期间开始之日不计算在内).

        days=0 is a zero-length limit and returns start itself (in the calendar's zone).
        """
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError(f"working days must be a non-negative integer, got {days!r}")
        local = self._local(start)
        ordinal = local.toordinal()
        self._check_in_range(ordinal)
        if days == 0:
            return Deadline(local, self._provisional(local.year, local.year))
        index = bisect_right(self._workdays, ordinal) + days - 1
        due = self._workday_midnight(index) + self._closing
        return Deadline(due, self._provisional(local.year, due.year))

    def add_calendar_hours(self, start: datetime, hours: float) -> Deadline:
        """Plain elapsed hours, ignoring the calendar (R-15 first responses)."""
        local = self._local(start)
        amount = timedelta(microseconds=_hours_us(hours))
        # Elapsed time is absolute: add in UTC so a zone with DST cannot skew it.
        due = (local.astimezone(UTC) + amount).astimezone(self._tz)
        return Deadline(due, False)

    def working_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        """Working time elapsed from earlier to later (negative if later < earlier)."""
        elapsed = self._position(self._local(later)) - self._position(self._local(earlier))
        return timedelta(microseconds=elapsed)

    # --- the working-time axis ------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        """The moment in the calendar's zone; naive datetimes are refused."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware datetime")
        if moment.tzinfo is self._tz:
            return moment
        return moment.astimezone(self._tz)

    def _position(self, local: datetime) -> int:
        """Working µs from the start of the range up to a local moment."""
        ordinal = local.toordinal()
        self._check_in_range(ordinal)
        index = bisect_left(self._workdays, ordinal)
        position = index * self._day_us
        if index < len(self._workdays) and self._workdays[index] == ordinal:
            position += self._worked_within_day(_wall_us(local))
        return position

    def _worked_within_day(self, wall_us: int) -> int:
        """Working µs of one working day elapsed by a wall-clock time."""
        boundary = bisect_right(self._bounds, wall_us)
        worked = self._cumulative[boundary >> 1]
        if boundary & 1:  # inside a period: add the part of it already worked
            worked += wall_us - self._bounds[boundary - 1]
        return worked

    def _moment_at(self, position: int) -> datetime:
        """The earliest local moment at a working-time position."""
        day_index, offset = divmod(position, self._day_us)
        if offset == 0 and day_index > 0:
            # End of a working day and start of the next are the same position;
            # the limit is reached at the earlier one, the closing time.
            day_index, offset = day_index - 1, self._day_us
        wall = timedelta(microseconds=self._wall_time_for(offset))
        return self._workday_midnight(day_index) + wall

    def _wall_time_for(self, offset: int) -> int:
        """Wall-clock µs since midnight at which `offset` of a working day is reached."""
        if offset == 0:
            return self._bounds[0]
        period = bisect_left(self._cumulative, offset) - 1
        return self._bounds[2 * period] + offset - self._cumulative[period]

    def _workday_midnight(self, index: int) -> datetime:
        """Local midnight of the index-th working day of the range, or a clear error past its end."""
        if index >= len(self._workdays):
            raise ValueError(
                f"deadline falls after {self._last_year}, the calendar's last year; "
                "build the calendar with a later last_year"
            )
        return self._workday_midnights[index]

    def _check_in_range(self, ordinal: int) -> None:
        """Refuse moments outside the precomputed years."""
        if not self._first_ordinal <= ordinal <= self._last_ordinal:
            raise ValueError(
                f"{date.fromordinal(ordinal)} is outside the calendar's range "
                f"{self._first_year}..{self._last_year}"
            )

    def _provisional(self, first_year: int, last_year: int) -> bool:
        """Whether any year from first_year to last_year lacks a published schedule."""
        if first_year == last_year:
            return first_year not in self._known_years
        return any(year not in self._known_years for year in range(first_year, last_year + 1))

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({len(self._kinds)} explicit days, periods={self._periods}, "
            f"tz={self._tz.key}, range={self._first_year}..{self._last_year})"
        )


def _validated_kinds(day_kinds: Mapping[date, DayKind | str]) -> dict[date, DayKind]:
    """Copy day kinds, accepting stored strings and refusing datetimes as keys."""
    kinds = {}
    for day, kind in day_kinds.items():
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"day kind key must be a date, got {day!r}")
        try:
            kinds[day] = DayKind(kind)
        except ValueError:
            raise ValueError(f"unknown day kind {kind!r} for {day}") from None
    return kinds


def _validated_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Check the periods are non-empty, naive, ordered and non-overlapping."""
    checked = tuple((start, end) for start, end in periods)
    if not checked:
        raise ValueError("at least one working period is required")
    previous_end = time.min
    for start, end in checked:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods are wall-clock times: no tzinfo")
        if not previous_end <= start < end:
            raise ValueError(f"working periods must be ordered and not overlap: {checked}")
        previous_end = end
    return checked


def _hours_us(hours: float) -> int:
    """Whole microseconds in a non-negative number of hours (same rounding as timedelta)."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not isfinite(hours):
        raise ValueError(f"hours must be a finite number, got {hours!r}")
    if not 0 <= hours <= _MAX_HOURS:
        raise ValueError(f"hours must be between 0 and {_MAX_HOURS}, got {hours!r}")
    if type(hours) is int:  # the usual case (3 h, 4 h): exact and fast
        return hours * _US_PER_HOUR
    return timedelta(hours=hours) // _ONE_US


def _wall_us(moment: time | datetime) -> int:
    """Microseconds since midnight of a wall-clock time (of a time or a datetime)."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _US_PER_SECOND + moment.microsecond
