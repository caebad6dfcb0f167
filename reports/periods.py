"""Report periods, pure: which [start, end) a daily … annual report covers (business time zone)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


KIND_NAMES = {Kind.DAILY: "日报", Kind.WEEKLY: "周报", Kind.MONTHLY: "月报", Kind.QUARTERLY: "季报", Kind.ANNUAL: "年报"}


class BadPeriod(ValueError):
    """The period asked for cannot be read (→ 422)."""


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: date  # the first day
    last: date  # the last day (inclusive)
    label: str  # 2026年11月, 2026年第47周 …
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz)

    def previous(self) -> Period:
        """The period of the same kind just before (month-over-month and the like)."""
        return period_of(self.kind, self.first - timedelta(days=1), self.tz)


def period_of(kind: Kind, day: date, tz: ZoneInfo) -> Period:
    """The period of this kind that contains day."""
    if kind is Kind.DAILY:
        return Period(kind, day, day, f"{day.year}年{day.month}月{day.day}日", tz)
    if kind is Kind.WEEKLY:
        first = day - timedelta(days=day.weekday())
        iso = first.isocalendar()
        return Period(kind, first, first + timedelta(days=6), f"{iso.year}年第{iso.week}周", tz)
    if kind is Kind.MONTHLY:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1), f"{day.year}年{day.month}月", tz)
    if kind is Kind.QUARTERLY:
        quarter = (day.month - 1) // 3
        first = date(day.year, quarter * 3 + 1, 1)
        following = date(day.year + 1, 1, 1) if quarter == 3 else date(day.year, quarter * 3 + 4, 1)
        return Period(kind, first, following - timedelta(days=1), f"{day.year}年第{quarter + 1}季度", tz)
    return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31), f"{day.year}年", tz)


def resolve(kind: Kind, *, tz: ZoneInfo, today: date, date_: str | None = None, month: str | None = None,
            quarter: str | None = None, year: str | None = None) -> Period:
    """The period asked for: date=YYYY-MM-DD (any kind: the period containing it), month=YYYY-MM,
    quarter=YYYY-Qn, year=YYYY; none: the last complete period before today."""
    given = [x for x in (date_, month, quarter, year) if x]
    if len(given) > 1:
        raise BadPeriod("请只给出 date、month、quarter、year 之一 (give one of date, month, quarter, year)")
    try:
        if date_:
            day = date.fromisoformat(date_)
        elif month:
            if not re.fullmatch(r"\d{4}-\d{2}", month):
                raise ValueError(month)
            day = date(int(month[:4]), int(month[5:]), 1)
        elif quarter:
            found = re.fullmatch(r"(\d{4})-?Q([1-4])", quarter.upper())
            if not found:
                raise ValueError(quarter)
            day = date(int(found[1]), (int(found[2]) - 1) * 3 + 1, 1)
        elif year:
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(year)
            day = date(int(year), 1, 1)
        else:
            day = period_of(kind, today, tz).first - timedelta(days=1)
    except ValueError as exc:
        raise BadPeriod(f"无法识别的日期 (unreadable period: {exc})") from exc
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise BadPeriod("日期超出范围 (period outside 2000–2099)")
    return period_of(kind, day, tz)
