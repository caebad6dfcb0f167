"""The answer-rate alarm as a pure state machine (R-05, R-24, R-34).

A segment (queue, expert-seat group, sub-centre) is either quiet or alarming. It starts
alarming when, over the alarm window, at least `min_offered` calls were offered and the
answer rate is below the threshold (95 %). It stays alarming — one alarm, however many calls
follow — until the rate over the window is back at or above `clear_at` (the threshold plus an
optional margin), or the window holds no offered calls any more (nothing is being missed).
Whether a transition is *applied* once across processes is the service's job (database).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stats.figures import Figures, Segment, SegmentKind


@dataclass(frozen=True)
class AlarmPolicy:
    threshold: float = 0.95
    min_offered: int = 20
    clear_margin: float = 0.0  # hysteresis: clear only at threshold + margin
    window_minutes: int = 15

    @property
    def clear_at(self) -> float:
        return min(1.0, self.threshold + self.clear_margin)


class Verdict(StrEnum):
    RAISE = "raise"
    CLEAR = "clear"
    KEEP = "keep"  # no change: stay quiet, or stay alarming


def breaching(figures: Figures, policy: AlarmPolicy) -> bool:
    """True when the window has enough calls and its answer rate is under the threshold."""
    rate = figures.answer_rate
    return figures.offered >= max(1, policy.min_offered) and rate is not None and rate < policy.threshold


def recovered(figures: Figures, policy: AlarmPolicy) -> bool:
    """True when the window shows no shortfall any more."""
    rate = figures.answer_rate
    return rate is None or rate >= policy.clear_at


def judge(*, alarming: bool, figures: Figures, policy: AlarmPolicy) -> Verdict:
    """The transition for one segment, given whether it is alarming now and its window's figures."""
    if not alarming:
        return Verdict.RAISE if breaching(figures, policy) else Verdict.KEEP
    return Verdict.CLEAR if recovered(figures, policy) else Verdict.KEEP


SEGMENT_LABELS = {SegmentKind.QUEUE: "队列", SegmentKind.EXPERT_GROUP: "专家座席组", SegmentKind.SUB_CENTRE: "分中心",
                  SegmentKind.CENTRE: "全中心", SegmentKind.AGENT: "话务员"}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def raise_message(segment: Segment, name: str, figures: Figures, policy: AlarmPolicy) -> str:
    """The supervision notice (督促) shown to supervisors when an alarm is raised."""
    return (f"{SEGMENT_LABELS[segment.kind]}「{name}」近{policy.window_minutes}分钟接通率 {_percent(figures.answer_rate)}"
            f"（呼入 {figures.offered}，接通 {figures.answered}，放弃 {figures.abandoned}），"
            f"低于 {policy.threshold * 100:.0f}% 的要求，请督促增派座席。")


def clear_message(segment: Segment, name: str, figures: Figures, policy: AlarmPolicy) -> str:
    """The notice when the answer rate has recovered."""
    return (f"{SEGMENT_LABELS[segment.kind]}「{name}」近{policy.window_minutes}分钟接通率已恢复至 "
            f"{_percent(figures.answer_rate)}（呼入 {figures.offered}）。")
