"""Scorecards (R-27), pure: a score out of 100 from weighted rates, ranking, month-over-month change.

Each metric is a rate 0–1; for the "lower is better" ones (returns, extensions, repeat requests)
1 − rate counts. A metric a body has no figure for (no calls of a handling unit, no callbacks yet)
is left out and the other weights are scaled up, so bodies are compared on what they do.
"""
from __future__ import annotations

from collections.abc import Mapping

METRICS = ("answer_rate", "service_level", "sign_on_time", "handle_on_time", "return_rate", "extension_rate",
           "satisfaction", "repeat_rate")
LOWER_IS_BETTER = frozenset({"return_rate", "extension_rate", "repeat_rate"})
METRIC_NAMES = {"answer_rate": "接通率", "service_level": "15秒服务水平", "sign_on_time": "按时签收率",
                "handle_on_time": "按时办结率", "return_rate": "退回率", "extension_rate": "延期率",
                "satisfaction": "满意率", "repeat_rate": "重复诉求率"}


class BadWeights(ValueError):
    """Weights that cannot be published (→ 422)."""


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = sorted(set(weights) - set(METRICS))
    if unknown:
        raise BadWeights(f"未知指标 (unknown metrics): {', '.join(unknown)}")
    if any(w < 0 for w in weights.values()):
        raise BadWeights("权重不能为负 (weights must not be negative)")
    if sum(weights.values()) <= 0:
        raise BadWeights("权重之和须大于0 (weights must add up to more than 0)")
    return {m: float(weights.get(m, 0)) for m in METRICS}


def score(metrics: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Σ weight × goodness ÷ Σ weight over the metrics with a figure, × 100 (None: no figure at all)."""
    total = weight_sum = 0.0
    for metric in METRICS:
        value, weight = metrics.get(metric), weights.get(metric, 0.0)
        if value is None or weight <= 0:
            continue
        total += weight * ((1.0 - value) if metric in LOWER_IS_BETTER else value)
        weight_sum += weight
    return round(100 * total / weight_sum, 2) if weight_sum else None


def rank(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4) by score, best first; no score, no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    return {key: (None if s is None else ordered.index(s) + 1) for key, s in scores.items()}


def change(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else round(current - previous, 2)
