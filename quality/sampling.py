"""Drawing calls for inspection (pure): N random calls per agent per ISO week, plus every call
whose ticket was a complaint or ended dissatisfied, or whose transcript was flagged.

The random draw is reproducible (seeded by week and agent) and tops up: calls already drawn at
random for that agent and week count towards N, so drawing again adds nothing new at random."""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.timeutil import BUSINESS_TZ


@dataclass(frozen=True)
class Candidate:
    call_id: int
    agent_id: int
    region_code: str | None
    complaint: bool = False
    dissatisfied: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class Draw:
    call_id: int
    agent_id: int
    region_code: str | None
    reason: str  # complaint | dissatisfied | keyword | random


def week_of(moment: datetime) -> str:
    """ISO week of a moment in business time (Beijing): 2026-W49."""
    year, week, _ = moment.astimezone(BUSINESS_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of an ISO week in business time, as UTC; ValueError if malformed."""
    try:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        start = datetime.combine(monday, time(), BUSINESS_TZ).astimezone(UTC)
        return start, start + timedelta(days=7)
    except (ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(f"周次格式应为 2026-W49 (week {week!r})") from exc


def draw(week: str, candidates: Iterable[Candidate], already: Iterable[tuple[int, int, str]],
         per_agent: int) -> list[Draw]:
    """New samples for a week. `already`: (call_id, agent_id, reason) of the week's samples."""
    taken = {call_id for call_id, _, _ in already}
    random_counts: dict[int, int] = defaultdict(int)
    for _, agent_id, reason in already:
        if reason == "random":
            random_counts[agent_id] += 1
    out: list[Draw] = []
    pool: dict[int, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: c.call_id):
        if c.call_id in taken:
            continue
        reason = "complaint" if c.complaint else "dissatisfied" if c.dissatisfied else "keyword" if c.flagged else None
        if reason:
            out.append(Draw(c.call_id, c.agent_id, c.region_code, reason))
            taken.add(c.call_id)
        else:
            pool[c.agent_id].append(c)
    for agent_id, calls in sorted(pool.items()):
        room = max(0, per_agent - random_counts[agent_id])
        picked = random.Random(f"{week}:{agent_id}").sample(calls, min(room, len(calls)))
        out.extend(Draw(c.call_id, c.agent_id, c.region_code, "random") for c in sorted(picked, key=lambda c: c.call_id))
    return out
