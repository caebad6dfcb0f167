"""The routing choice (pure): which ready agent gets which waiting call.

Rules: special-urgent calls first, then the longest waiting; each call goes to the
available agent holding the call's skill who has been idle longest. An agent in wrap-up
whose wrap-up time is over counts as available (idle since the wrap-up ended).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AgentSnapshot:
    user_id: int
    state: str
    skills: frozenset[str]
    idle_since: float  # epoch seconds the agent became ready
    wrap_until: float | None = None


@dataclass(frozen=True)
class WaitingCall:
    call_id: int
    skill: str
    entered_at: float  # epoch seconds the call entered the queue
    urgent: bool = False
    state: str = "waiting"  # waiting | offered
    excluded: frozenset[int] = field(default_factory=frozenset)  # agents not to offer it to again


def is_available(agent: AgentSnapshot, now: float) -> bool:
    """Ready, or in wrap-up that has run out."""
    if agent.state == "ready":
        return True
    return agent.state == "wrap_up" and agent.wrap_until is not None and agent.wrap_until <= now


def idle_since(agent: AgentSnapshot) -> float:
    """When the agent's current idle period began."""
    if agent.state == "wrap_up" and agent.wrap_until is not None:
        return agent.wrap_until
    return agent.idle_since


def choose_agent(agents: Iterable[AgentSnapshot], skill: str, now: float,
                 exclude: Iterable[int] = ()) -> AgentSnapshot | None:
    """The available agent with `skill` idle longest (ties: lowest user id), or None."""
    excluded = set(exclude)
    candidates = [a for a in agents
                  if a.user_id not in excluded and skill in a.skills and is_available(a, now)]
    if not candidates:
        return None
    return min(candidates, key=lambda a: (idle_since(a), a.user_id))


def call_order(calls: Iterable[WaitingCall]) -> list[WaitingCall]:
    """Service order: urgent first, then by time entered, then by id."""
    return sorted(calls, key=lambda c: (not c.urgent, c.entered_at, c.call_id))


def plan_offers(calls: Iterable[WaitingCall], agents: Iterable[AgentSnapshot],
                now: float) -> list[tuple[int, int]]:
    """(call_id, user_id) pairs to offer now, in service order; each agent at most once."""
    free = [a for a in agents if is_available(a, now)]
    plan: list[tuple[int, int]] = []
    for call in call_order(c for c in calls if c.state == "waiting"):
        agent = choose_agent(free, call.skill, now, exclude=call.excluded)
        if agent is None:
            continue
        plan.append((call.call_id, agent.user_id))
        free.remove(agent)
    return plan


def queue_position(calls: Iterable[WaitingCall], call_id: int) -> int | None:
    """1-based place of the call among the not yet answered calls of its skill."""
    calls = list(calls)
    mine = next((c for c in calls if c.call_id == call_id), None)
    if mine is None:
        return None
    same_queue = [c for c in call_order(calls) if c.skill == mine.skill]
    return [c.call_id for c in same_queue].index(call_id) + 1
