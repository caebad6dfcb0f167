"""Contact-centre figures as pure functions of call records (R-05, R-27).

A call counts in the window in which it ENTERED THE QUEUE (after the voice menu); the README
section "Answer rate and service level" states every definition below in words.

- offered     calls that reached a queue and whose outcome is known (answered, abandoned or
              ended otherwise); calls still waiting are not yet offered, and short abandons
              (waited less than `short_abandon_seconds`, default 0 = none) are left out.
- answered    connected to an agent (`answered_at` set).
- abandoned   the caller hung up while waiting (disposition `abandoned`, never answered).
- answer rate answered ÷ offered (接通率; None when nothing was offered).
- service level answered within `service_level_seconds` (15 s, GB/T 33358) ÷ answered.
- ASA         mean of answered_at − entered_queue_at over answered calls.
- AHT         mean of ended_at − answered_at over answered calls that have ended (talk time;
              after-call work is an agent state, not part of the call record).
- abandon rate abandoned ÷ offered.
- longest wait the longest current wait among calls still waiting at `now`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

SERVICE_LEVEL_SECONDS = 15  # GB/T 33358: answered within 15 seconds
HALF_HOUR = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """The fields of one call the figures need (a row of the telephony `calls` table)."""

    id: int
    entered_queue_at: datetime | None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    disposition: str | None = None
    queue: str | None = None
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class FigurePolicy:
    service_level_seconds: float = SERVICE_LEVEL_SECONDS
    short_abandon_seconds: float = 0.0  # abandons that waited less than this are not counted at all
    stale_wait_seconds: float = 4 * 3600  # a "waiting" record older than this is a lost record, not a caller


class Outcome(StrEnum):
    NOT_OFFERED = "not_offered"  # ended in the voice menu, blocked, emergency hand-off
    WAITING = "waiting"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    SHORT_ABANDON = "short_abandon"
    UNANSWERED = "unanswered"  # left the queue unanswered some other way (e.g. transferred away)


def _seconds(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds())


def outcome(call: CallRecord, *, now: datetime, policy: FigurePolicy) -> Outcome:
    """What became of one call, as of now."""
    entered = call.entered_queue_at
    if entered is None:
        return Outcome.NOT_OFFERED
    if call.answered_at is not None and call.answered_at <= now:
        return Outcome.ANSWERED
    if call.ended_at is None or call.ended_at > now:
        return Outcome.WAITING if _seconds(now, entered) <= policy.stale_wait_seconds else Outcome.NOT_OFFERED
    if call.disposition == "abandoned":
        if _seconds(call.ended_at, entered) < policy.short_abandon_seconds:
            return Outcome.SHORT_ABANDON
        return Outcome.ABANDONED
    return Outcome.UNANSWERED


@dataclass(slots=True)
class Figures:
    """Counts and sums for one segment and window; rates are derived (fractions 0–1)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    unanswered: int = 0
    answered_within_service_level: int = 0
    waiting: int = 0
    longest_wait_seconds: float | None = None
    speed_of_answer_total: float = 0.0
    handle_total: float = 0.0
    handled: int = 0

    def add(self, call: CallRecord, result: Outcome, *, now: datetime, policy: FigurePolicy) -> None:
        """Fold one call with its outcome into these figures."""
        if result is Outcome.NOT_OFFERED:
            return
        if result is Outcome.WAITING:
            self.waiting += 1
            wait = _seconds(now, call.entered_queue_at)
            self.longest_wait_seconds = max(wait, self.longest_wait_seconds or 0.0)
        elif result is Outcome.SHORT_ABANDON:
            self.short_abandoned += 1
        else:
            self.offered += 1
            if result is Outcome.ANSWERED:
                self._add_answered(call, now=now, policy=policy)
            elif result is Outcome.ABANDONED:
                self.abandoned += 1
            else:
                self.unanswered += 1

    def _add_answered(self, call: CallRecord, *, now: datetime, policy: FigurePolicy) -> None:
        self.answered += 1
        speed = _seconds(call.answered_at, call.entered_queue_at)
        self.speed_of_answer_total += speed
        if speed <= policy.service_level_seconds:
            self.answered_within_service_level += 1
        if call.ended_at is not None and call.ended_at <= now:
            self.handled += 1
            self.handle_total += _seconds(call.ended_at, call.answered_at)

    def merge(self, other: Figures) -> Figures:
        """Fold another segment's or window's figures into these (all counts and sums add up)."""
        for name in ("offered", "answered", "abandoned", "short_abandoned", "unanswered",
                     "answered_within_service_level", "waiting", "speed_of_answer_total", "handle_total", "handled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.longest_wait_seconds is not None:
            self.longest_wait_seconds = max(other.longest_wait_seconds, self.longest_wait_seconds or 0.0)
        return self

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    @property
    def service_level(self) -> float | None:
        return self.answered_within_service_level / self.answered if self.answered else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.speed_of_answer_total / self.answered if self.answered else None

    @property
    def average_handle_time(self) -> float | None:
        return self.handle_total / self.handled if self.handled else None

    def as_dict(self) -> dict[str, Any]:
        """The public shape (REST, websocket, metrics)."""
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned, "unanswered": self.unanswered,
            "answer_rate": _round(self.answer_rate), "service_level_15s": _round(self.service_level),
            "answered_within_15s": self.answered_within_service_level,
            "abandon_rate": _round(self.abandon_rate),
            "average_speed_of_answer": _round(self.average_speed_of_answer, 2),
            "average_handle_time": _round(self.average_handle_time, 2),
            "waiting": self.waiting, "longest_wait_seconds": _round(self.longest_wait_seconds, 2),
        }


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def in_window(call: CallRecord, start: datetime, end: datetime) -> bool:
    """True when the call entered the queue in [start, end)."""
    return call.entered_queue_at is not None and start <= call.entered_queue_at < end


def compute_figures(calls: Iterable[CallRecord], *, start: datetime, end: datetime, now: datetime,
                    policy: FigurePolicy = FigurePolicy()) -> Figures:
    """The figures of the calls that entered the queue in [start, end), as of now."""
    figures = Figures()
    for call in calls:
        if in_window(call, start, end):
            figures.add(call, outcome(call, now=now, policy=policy), now=now, policy=policy)
    return figures


# --- segments: the parts of the centre that are measured ------------------------------------------

class SegmentKind(StrEnum):
    CENTRE = "centre"  # the whole centre
    QUEUE = "queue"
    EXPERT_GROUP = "expert_group"  # 专家座席组
    SUB_CENTRE = "sub_centre"  # 分中心
    AGENT = "agent"


ALARM_KINDS = (SegmentKind.QUEUE, SegmentKind.EXPERT_GROUP, SegmentKind.SUB_CENTRE)
CENTRE_KEY = "all"


@dataclass(frozen=True, slots=True, order=True)
class Segment:
    kind: SegmentKind
    key: str

    @property
    def id(self) -> str:
        return f"{self.kind.value}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> Segment:
        """The segment named by "kind:key" (ValueError for anything else)."""
        kind, sep, key = text.partition(":")
        if not sep or not key:
            raise ValueError(f"not a segment id: {text!r}")
        return cls(SegmentKind(kind), key)


CENTRE = Segment(SegmentKind.CENTRE, CENTRE_KEY)


@dataclass(frozen=True)
class SegmentCatalog:
    """Which expert-seat group and sub-centre each queue belongs to (built from configuration).

    A queue named `<expert_prefix><group>` (the ACD's `expert:housing`) is an expert-seat group's
    queue unless mapped explicitly; sub-centres answer the queues configured for them.
    """

    expert_group_of_queue: Mapping[str, str] = field(default_factory=dict)
    sub_centre_of_queue: Mapping[str, str] = field(default_factory=dict)
    expert_prefix: str | None = "expert:"

    def expert_group(self, queue: str) -> str | None:
        """The expert-seat group a queue belongs to, if any."""
        if queue in self.expert_group_of_queue:
            return self.expert_group_of_queue[queue]
        if self.expert_prefix and queue.startswith(self.expert_prefix) and len(queue) > len(self.expert_prefix):
            return queue[len(self.expert_prefix):]
        return None

    def segments_of_queue(self, queue: str | None) -> list[Segment]:
        """Every segment a call of this queue counts in: the centre, the queue, its group, its sub-centre."""
        segments = [CENTRE]
        if queue:
            segments.append(Segment(SegmentKind.QUEUE, queue))
            if group := self.expert_group(queue):
                segments.append(Segment(SegmentKind.EXPERT_GROUP, group))
            if centre := self.sub_centre_of_queue.get(queue):
                segments.append(Segment(SegmentKind.SUB_CENTRE, centre))
        return segments

    def segments_of(self, call: CallRecord) -> list[Segment]:
        """Every segment one call counts in (agents are counted separately, see agent_figures)."""
        return self.segments_of_queue(call.queue)


def roll_up(by_queue: Mapping[str | None, Figures], catalog: SegmentCatalog) -> dict[Segment, Figures]:
    """Per-segment figures from per-queue figures (counts add up; the longest wait is the maximum)."""
    result: dict[Segment, Figures] = {CENTRE: Figures()}
    for queue, figures in by_queue.items():
        for segment in catalog.segments_of_queue(queue):
            result.setdefault(segment, Figures()).merge(figures)
    return result


def figures_by_segment(calls: Iterable[CallRecord], *, catalog: SegmentCatalog, start: datetime, end: datetime,
                       now: datetime, policy: FigurePolicy = FigurePolicy()) -> dict[Segment, Figures]:
    """Figures per segment (centre, queue, expert group, sub-centre) in one pass; the centre always present."""
    result: dict[Segment, Figures] = {CENTRE: Figures()}
    for call in calls:
        if not in_window(call, start, end):
            continue
        verdict = outcome(call, now=now, policy=policy)
        for segment in catalog.segments_of(call):
            result.setdefault(segment, Figures()).add(call, verdict, now=now, policy=policy)
    return result


def agent_figures(calls: Iterable[CallRecord], *, start: datetime, end: datetime, now: datetime,
                  policy: FigurePolicy = FigurePolicy()) -> dict[str, Figures]:
    """Per agent: the calls each agent answered (answered, ASA, AHT, service level)."""
    result: dict[str, Figures] = {}
    for call in calls:
        if call.agent and in_window(call, start, end):
            verdict = outcome(call, now=now, policy=policy)
            if verdict is Outcome.ANSWERED:
                result.setdefault(call.agent, Figures()).add(call, verdict, now=now, policy=policy)
    return result


# --- windows ----------------------------------------------------------------------------------------

ROLLING_WINDOWS: dict[str, timedelta] = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1)}


def day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of now's calendar day in the business time zone (an aware instant)."""
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def windows(now: datetime, tz: ZoneInfo) -> dict[str, tuple[datetime, datetime]]:
    """The rolling windows: last 15 minutes, last hour, and today (business time zone) — all ending now."""
    result = {name: (now - length, now) for name, length in ROLLING_WINDOWS.items()}
    result["today"] = (day_start(now, tz), now)
    return result


def half_hour_slots(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Consecutive half hours from start (inclusive) until end (the last one may be partial)."""
    slots = []
    cursor = start
    while cursor < end:
        slots.append((cursor, min(cursor + HALF_HOUR, end)))
        cursor += HALF_HOUR
    return slots


def half_hour_series(calls: Iterable[CallRecord], *, start: datetime, end: datetime, now: datetime,
                     policy: FigurePolicy = FigurePolicy(),
                     segment: Segment = CENTRE, catalog: SegmentCatalog = SegmentCatalog()) -> list[tuple[datetime, Figures]]:
    """Figures of one segment per half hour from start to end (the wallboard's chart of today)."""
    slots = half_hour_slots(start, end)
    series = [(slot_start, Figures()) for slot_start, _ in slots]
    for call in calls:
        if not in_window(call, start, end) or segment not in catalog.segments_of(call):
            continue
        index = int((call.entered_queue_at - start) / HALF_HOUR)
        series[index][1].add(call, outcome(call, now=now, policy=policy), now=now, policy=policy)
    return series
