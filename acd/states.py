"""Agent states and the changes an agent or a supervisor may ask for (pure).

States: logged_out, ready, not_ready (with a reason), ringing (offered a call), on_call,
wrap_up (after a call, HOTLINE_WRAP_UP_SECONDS). While ringing or on a call a request for
not_ready / logged_out is kept as pending and applied when the call ends.
"""
from __future__ import annotations

from dataclasses import dataclass

LOGGED_OUT, READY, NOT_READY, RINGING, ON_CALL, WRAP_UP = (
    "logged_out", "ready", "not_ready", "ringing", "on_call", "wrap_up")
STATES = (LOGGED_OUT, READY, NOT_READY, RINGING, ON_CALL, WRAP_UP)
REQUESTABLE = (READY, NOT_READY, LOGGED_OUT)
BUSY = (RINGING, ON_CALL)
NO_ANSWER_REASON = "未接听 (no answer)"
NO_DEVICE_REASON = "话机未注册 (no registered phone)"


@dataclass(frozen=True)
class AgentState:
    state: str
    reason: str = ""
    since: float = 0.0
    idle_since: float = 0.0
    wrap_until: float | None = None
    pending_state: str = ""
    pending_reason: str = ""


def effective(agent: AgentState, now: float) -> AgentState:
    """The state as it is now: a wrap-up whose time is over is ready."""
    if agent.state == WRAP_UP and agent.wrap_until is not None and agent.wrap_until <= now:
        return AgentState(READY, since=agent.wrap_until, idle_since=agent.wrap_until)
    return agent


def request(agent: AgentState, wanted: str, reason: str, now: float) -> AgentState:
    """The state after the agent (or a supervisor) asks for `wanted`."""
    if wanted not in REQUESTABLE:
        raise ValueError(f"state {wanted!r} cannot be requested")
    agent = effective(agent, now)
    if agent.state in BUSY:
        if wanted == READY:  # cancel a pending change
            return AgentState(agent.state, agent.reason, agent.since, agent.idle_since, agent.wrap_until)
        return AgentState(agent.state, agent.reason, agent.since, agent.idle_since, agent.wrap_until,
                          pending_state=wanted, pending_reason=reason)
    if wanted == agent.state and wanted != NOT_READY:
        return agent
    if wanted == READY:
        return AgentState(READY, since=now, idle_since=now)
    return AgentState(wanted, reason=reason if wanted == NOT_READY else "", since=now, idle_since=now)


def after_call(agent: AgentState, now: float, wrap_up_seconds: float) -> AgentState:
    """The state when the agent's call ends: wrap-up, or the pending request."""
    if agent.pending_state == LOGGED_OUT:
        return AgentState(LOGGED_OUT, since=now, idle_since=now)
    if agent.pending_state == NOT_READY:
        return AgentState(NOT_READY, reason=agent.pending_reason, since=now, idle_since=now)
    if wrap_up_seconds <= 0:
        return AgentState(READY, since=now, idle_since=now)
    return AgentState(WRAP_UP, since=now, idle_since=now, wrap_until=now + wrap_up_seconds)
