"""Agent states (R-05): requests by the agent or a supervisor, pending changes during a call,
wrap-up after it."""
from __future__ import annotations

import pytest

from acd.states import AgentState, after_call, effective, request


def test_ready_not_ready_logged_out():
    st = request(AgentState("logged_out"), "ready", "", now=10)
    assert st.state == "ready" and st.idle_since == 10
    st = request(st, "not_ready", "午休", now=20)
    assert (st.state, st.reason) == ("not_ready", "午休")
    assert request(st, "logged_out", "", now=30).state == "logged_out"


def test_only_requestable_states():
    with pytest.raises(ValueError):
        request(AgentState("ready"), "on_call", "", now=1)


def test_change_during_a_call_is_pending_and_applied_after_it():
    on_call = AgentState("on_call", since=5)
    pending = request(on_call, "not_ready", "培训", now=10)
    assert pending.state == "on_call" and pending.pending_state == "not_ready"
    after = after_call(pending, now=20, wrap_up_seconds=30)
    assert (after.state, after.reason) == ("not_ready", "培训")
    # asking for ready again cancels the pending change
    assert request(pending, "ready", "", now=12).pending_state == ""


def test_wrap_up_then_ready_by_time_or_by_request():
    wrap = after_call(AgentState("on_call"), now=100, wrap_up_seconds=30)
    assert wrap.state == "wrap_up" and wrap.wrap_until == 130
    assert effective(wrap, 129).state == "wrap_up"
    assert effective(wrap, 130).state == "ready" and effective(wrap, 130).idle_since == 130
    assert request(wrap, "ready", "", now=105).state == "ready"


def test_zero_wrap_up_is_ready_at_once():
    assert after_call(AgentState("on_call"), now=1, wrap_up_seconds=0).state == "ready"
