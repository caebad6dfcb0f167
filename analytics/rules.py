"""Alert rules (预警, R-24, R-34), pure: when a surge, a repeating caller or a collective complaint is
raised, kept and cleared. The evaluator (analytics.service) feeds them counts from SQL and applies
the decisions to the stored alerts — one alert per episode, not one per ticket."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

BASELINE_DAYS = 7  # the usual level of a topic in a county: its mean count per window over this many days


class Kind(StrEnum):
    SURGE = "surge"  # one topic suddenly gathering requests in one county (苗头性问题)
    REPEAT_CALLER = "repeat_caller"  # one caller repeating the same matter (重复诉求)
    COLLECTIVE = "collective"  # many callers on one address (群体性诉求)


KIND_NAMES = {Kind.SURGE: "热点激增", Kind.REPEAT_CALLER: "重复来电", Kind.COLLECTIVE: "群体诉求"}


@dataclass(frozen=True)
class AlertPolicy:
    surge_min_tickets: int = 10
    surge_window_minutes: int = 120
    surge_factor: float = 3.0
    repeat_min_tickets: int = 3
    repeat_window_days: int = 30
    collective_min_callers: int = 5
    collective_window_days: int = 7

    @property
    def windows_in_baseline(self) -> float:
        return BASELINE_DAYS * 24 * 60 / self.surge_window_minutes

    def minimum(self, kind: Kind) -> int:
        return {Kind.SURGE: self.surge_min_tickets, Kind.REPEAT_CALLER: self.repeat_min_tickets,
                Kind.COLLECTIVE: self.collective_min_callers}[kind]

    def clear_below(self, kind: Kind) -> int:
        """An open alert clears once its count falls under this (half the raising minimum: hysteresis,
        so a surge hovering at the minimum does not raise and clear again and again)."""
        return max(1, math.ceil(self.minimum(kind) / 2))


@dataclass(frozen=True)
class Observation:
    """What the counts say about one key now."""

    kind: Kind
    key: str
    label: str
    count: int
    region_code: str | None = None
    baseline: float = 0.0  # surges: the usual count per window
    ticket_ids: tuple[int, ...] = ()
    detail: str = ""  # the masked caller or the address, for the notice


def baseline_per_window(prior_count: int, policy: AlertPolicy) -> float:
    """A topic's usual count per window from its count over the BASELINE_DAYS before the window."""
    return prior_count / policy.windows_in_baseline


def alarming(observation: Observation, policy: AlertPolicy) -> bool:
    """True when this observation raises an alert (if none is open for its key)."""
    if observation.count < policy.minimum(observation.kind):
        return False
    if observation.kind is Kind.SURGE:
        return observation.count >= policy.surge_factor * observation.baseline
    return True


@dataclass
class Decisions:
    raise_: list[Observation] = field(default_factory=list)
    update: dict[str, Observation] = field(default_factory=dict)  # open key → its fresh observation
    clear: dict[str, Observation | None] = field(default_factory=dict)  # open key → its observation (None: no count)


def decide(open_keys: Iterable[tuple[Kind, str]], observations: Mapping[tuple[Kind, str], Observation],
           policy: AlertPolicy) -> Decisions:
    """Raise what is alarming and not open; keep open what has not subsided; clear the rest."""
    decisions = Decisions()
    opened = set(open_keys)
    for ident, observation in sorted(observations.items()):
        if ident not in opened and alarming(observation, policy):
            decisions.raise_.append(observation)
    for ident in sorted(opened):
        observation = observations.get(ident)
        if observation is None or observation.count < policy.clear_below(ident[0]):
            decisions.clear[ident[1]] = observation
        else:
            decisions.update[ident[1]] = observation
    return decisions


def mask_phone(phone: str) -> str:
    """138****0000: enough for a supervisor to tell callers apart on a shared screen."""
    digits = phone.strip()
    if len(digits) <= 7:
        return digits[:2] + "*" * max(0, len(digits) - 2)
    return f"{digits[:3]}****{digits[-4:]}"


def notice(observation: Observation, policy: AlertPolicy, region_name: str | None = None) -> str:
    """The sentence supervisors read (zh-CN)."""
    where = region_name or observation.region_code or ""
    if observation.kind is Kind.SURGE:
        usual = f"，平时约{observation.baseline:.1f}件" if observation.baseline else ""
        return (f"{where}「{observation.label}」类诉求{policy.surge_window_minutes}分钟内达{observation.count}件"
                f"{usual}，请关注并协调处置")
    if observation.kind is Kind.REPEAT_CALLER:
        return (f"来电人{observation.detail}{policy.repeat_window_days}天内就「{observation.label}」"
                f"重复反映{observation.count}次，请核实办理情况")
    return (f"{where}{observation.detail}：{policy.collective_window_days}天内{observation.count}位来电人反映"
            f"「{observation.label}」，疑似群体性诉求，请研判")
