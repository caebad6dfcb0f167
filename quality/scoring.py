"""Scoring a call on a form (pure): items carry points (their weight); a fatal item, when
violated, zeroes the whole score. Totals are out of 100 whatever the form's points add up to."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class InvalidForm(ValueError):
    pass


class InvalidAnswers(ValueError):
    pass


@dataclass(frozen=True)
class Result:
    total: float  # 0–100
    fatal: bool
    violated: list[str]  # keys of violated fatal items


def check_items(items: list[Mapping[str, Any]]) -> None:
    """A usable form: unique keys, labels, points ≥ 0 (0 for fatal items), some points to give."""
    keys = [item.get("key") for item in items]
    if not items or len(set(keys)) != len(keys) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidForm("评分项不能为空且编号不能重复 (items need unique keys)")
    for item in items:
        points = item.get("points")
        if not isinstance(points, int | float) or isinstance(points, bool) or points < 0 or points > 100:
            raise InvalidForm(f"评分项 {item['key']} 的分值无效 (points 0–100)")
        if item.get("fatal") and points:
            raise InvalidForm(f"致命项 {item['key']} 不计分值 (a fatal item has no points)")
    if sum(item["points"] for item in items if not item.get("fatal")) <= 0:
        raise InvalidForm("评分表没有可得分的项目 (no points to give)")


def score(items: list[Mapping[str, Any]], answers: Mapping[str, Any]) -> Result:
    """The total of answers on a form: every item answered, points within the item's range;
    fatal items answered true (violated) or false."""
    by_key = {item["key"]: item for item in items}
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise InvalidAnswers(f"未知评分项 {', '.join(unknown)} (unknown items)")
    missing = sorted(set(by_key) - set(answers))
    if missing:
        raise InvalidAnswers(f"评分项未评 {', '.join(missing)} (items not scored)")
    given = possible = 0.0
    violated: list[str] = []
    for key, item in by_key.items():
        value = answers[key]
        if item.get("fatal"):
            if not isinstance(value, bool):
                raise InvalidAnswers(f"致命项 {key} 只能是 是/否 (true or false)")
            if value:
                violated.append(key)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= item["points"]:
            raise InvalidAnswers(f"评分项 {key} 的得分须在 0–{item['points']} 之间")
        given += value
        possible += item["points"]
    if violated:
        return Result(0.0, True, violated)
    return Result(round(100.0 * given / possible, 1), False, [])
