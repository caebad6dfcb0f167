"""The centre's queues: general (个人事项), enterprise (涉企事项) and one expert queue per duty domain.

A queue is served by the agents holding its skill; the skill has the queue's name.
"""
from __future__ import annotations

from dataclasses import dataclass

from organisation.units_data import DOMAIN_NAMES

GENERAL = "general"
ENTERPRISE = "enterprise"
EXPERT_PREFIX = "expert:"


@dataclass(frozen=True)
class QueueDef:
    name: str
    display_name: str

    @property
    def skill(self) -> str:
        return self.name


def expert_queue(domain: str) -> str:
    """Queue name of the expert seats of a duty domain (e.g. expert:housing)."""
    return f"{EXPERT_PREFIX}{domain}"


def all_queues() -> list[QueueDef]:
    """Every queue, general first."""
    queues = [QueueDef(GENERAL, "个人事项"), QueueDef(ENTERPRISE, "涉企事项")]
    queues += [QueueDef(expert_queue(key), f"专家座席·{label}") for key, label in DOMAIN_NAMES.items()
               if key not in ("general", "discipline")]
    return queues


QUEUES: dict[str, QueueDef] = {q.name: q for q in all_queues()}


def is_queue(name: str) -> bool:
    return name in QUEUES
