"""Benchmark: mixed working-day and working-hour deadlines on one core.

Run: python bench/bench_deadlines.py [count]
"""

from __future__ import annotations

import importlib
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

# Runnable from a checkout without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
worktime = importlib.import_module("worktime")
SHANGHAI, seeded_calendar = worktime.SHANGHAI, worktime.seeded_calendar

DEFAULT_COUNT = 1_000_000
SEED = 12345
RANGE_START = datetime(2025, 1, 1, tzinfo=SHANGHAI)
RANGE_SECONDS = int((datetime(2027, 1, 1, tzinfo=SHANGHAI) - RANGE_START).total_seconds())


def random_requests(count: int, rng: random.Random) -> list[tuple[datetime, bool, float]]:
    """(start, by_days, amount) triples: half working-day, half working-hour limits."""
    requests = []
    for _ in range(count):
        start = RANGE_START + timedelta(seconds=rng.randrange(RANGE_SECONDS))
        if rng.random() < 0.5:
            requests.append((start, True, rng.choice((1, 2, 3, 5, 7, 10, 15))))
        else:
            requests.append((start, False, rng.choice((2, 3, 4, 0.5, 7.25))))
    return requests


def run(count: int) -> None:
    """Build the calendar, compute `count` deadlines and print the rates."""
    started = time.perf_counter()
    calendar = seeded_calendar()
    construction = time.perf_counter() - started

    requests = random_requests(count, random.Random(SEED))
    add_days, add_hours = calendar.add_working_days, calendar.add_working_hours
    provisional = 0
    started = time.perf_counter()
    for start, by_days, amount in requests:
        deadline = add_days(start, amount) if by_days else add_hours(start, amount)
        provisional += deadline.provisional
    elapsed = time.perf_counter() - started

    print(
        f"calendar construction (seeding {calendar.year_range[0]}..{calendar.year_range[1]}): "
        f"{construction * 1000:.1f} ms"
    )
    print(
        f"{count:,} deadlines in {elapsed:.2f} s: {count / elapsed:,.0f} deadlines/second "
        f"({provisional:,} provisional)"
    )


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_COUNT)
