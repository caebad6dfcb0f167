"""Prometheus exposition of the wallboard's figures (the same numbers, for alerting and history, R-34).

Names (gauges; labels `segment_kind`, `segment`, `window` = 15m | 1h | today):
  hotline_answer_rate, hotline_service_level_15s, hotline_abandon_rate,
  hotline_calls_offered, hotline_calls_answered, hotline_calls_abandoned,
  hotline_average_speed_of_answer_seconds, hotline_average_handle_time_seconds;
per segment: hotline_calls_waiting, hotline_longest_wait_seconds, hotline_answer_rate_alarm (1 = open);
hotline_agents{state}; hotline_answer_rate_target.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

WINDOW_FIGURES = (
    ("hotline_answer_rate", "answer_rate", "接通率: answered / offered"),
    ("hotline_service_level_15s", "service_level_15s", "answered within 15 s / answered"),
    ("hotline_abandon_rate", "abandon_rate", "abandoned / offered"),
    ("hotline_calls_offered", "offered", "calls that reached a queue (outcome known)"),
    ("hotline_calls_answered", "answered", "calls connected to an agent"),
    ("hotline_calls_abandoned", "abandoned", "callers who hung up while waiting"),
    ("hotline_average_speed_of_answer_seconds", "average_speed_of_answer", "mean wait of answered calls"),
    ("hotline_average_handle_time_seconds", "average_handle_time", "mean talk time of answered, ended calls"),
)
WINDOWS = ("15m", "1h", "today")
SEGMENT_LABELS = ["segment_kind", "segment"]


class WallboardCollector(Collector):
    """Turns one wallboard snapshot into gauge families."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.snapshot = snapshot

    def _rows(self) -> list[dict[str, Any]]:
        return [self.snapshot["centre"], *self.snapshot["segments"]]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, key, doc in WINDOW_FIGURES:
            family = GaugeMetricFamily(name, doc, labels=[*SEGMENT_LABELS, "window"])
            for row in self._rows():
                for window in WINDOWS:
                    value = row[window][key]
                    if value is not None:
                        family.add_metric([row["kind"], row["key"], window], float(value))
            yield family
        yield from self._live()

    def _live(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("hotline_calls_waiting", "callers waiting in a queue now", labels=SEGMENT_LABELS)
        longest = GaugeMetricFamily("hotline_longest_wait_seconds", "longest current wait", labels=SEGMENT_LABELS)
        alarm = GaugeMetricFamily("hotline_answer_rate_alarm", "1 while an answer-rate alarm is open",
                                  labels=SEGMENT_LABELS)
        for row in self._rows():
            labels = [row["kind"], row["key"]]
            waiting.add_metric(labels, row["waiting"])
            longest.add_metric(labels, row["longest_wait_seconds"] or 0.0)
            alarm.add_metric(labels, 1.0 if row["alarm_id"] else 0.0)
        agents = GaugeMetricFamily("hotline_agents", "signed-in agents by state", labels=["state"])
        for state, count in sorted(Counter(a["state"] for a in self.snapshot["agents"]).items()):
            agents.add_metric([state], count)
        target = GaugeMetricFamily("hotline_answer_rate_target", "the answer-rate target (R-05)",
                                   value=self.snapshot["target"])
        yield from (waiting, longest, alarm, agents, target)


def render(snapshot: dict[str, Any]) -> bytes:
    """The exposition text: the process's default metrics followed by the wallboard's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WallboardCollector(snapshot))
    return generate_latest(REGISTRY) + generate_latest(registry)
