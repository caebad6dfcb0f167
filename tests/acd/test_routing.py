"""The routing choice (R-05): longest-idle agent with the skill, special-urgent calls first."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from acd.routing import AgentSnapshot, WaitingCall, choose_agent, is_available, plan_offers, queue_position


def agent(uid, state="ready", skills=("general",), idle=0.0, wrap_until=None):
    return AgentSnapshot(uid, state, frozenset(skills), idle, wrap_until)


def test_longest_idle_agent_with_the_skill_wins():
    agents = [agent(1, idle=30), agent(2, idle=10), agent(3, idle=5, skills=("enterprise",))]
    assert choose_agent(agents, "general", now=100).user_id == 2
    assert choose_agent(agents, "enterprise", now=100).user_id == 3
    assert choose_agent(agents, "expert:housing", now=100) is None


def test_only_available_agents_are_chosen():
    agents = [agent(1, "not_ready", idle=0), agent(2, "on_call", idle=0), agent(3, "ringing", idle=0),
              agent(4, "logged_out", idle=0), agent(5, idle=50)]
    assert choose_agent(agents, "general", now=100).user_id == 5


def test_wrap_up_counts_as_idle_from_its_end():
    running = agent(1, "wrap_up", idle=0, wrap_until=120)
    over = agent(2, "wrap_up", idle=0, wrap_until=90)
    ready = agent(3, idle=95)
    assert not is_available(running, 100) and is_available(over, 100)
    assert choose_agent([running, over, ready], "general", now=100).user_id == 2


def test_ties_break_on_user_id_and_exclusions_apply():
    agents = [agent(7, idle=10), agent(3, idle=10)]
    assert choose_agent(agents, "general", now=100).user_id == 3
    assert choose_agent(agents, "general", now=100, exclude=[3]).user_id == 7


def test_urgent_first_then_longest_waiting():
    calls = [WaitingCall(1, "general", entered_at=10), WaitingCall(2, "general", entered_at=20, urgent=True),
             WaitingCall(3, "general", entered_at=5)]
    plan = plan_offers(calls, [agent(10, idle=1), agent(11, idle=2)], now=100)
    assert plan == [(2, 10), (3, 11)]  # urgent call 2, then the oldest (3); call 1 waits


def test_offered_calls_are_not_planned_again():
    calls = [WaitingCall(1, "general", 10, state="offered"), WaitingCall(2, "general", 20)]
    assert plan_offers(calls, [agent(10)], now=100) == [(2, 10)]


def test_a_call_skips_agents_that_did_not_answer_it():
    calls = [WaitingCall(1, "general", 10, excluded=frozenset({10}))]
    assert plan_offers(calls, [agent(10, idle=0), agent(11, idle=5)], now=100) == [(1, 11)]


def test_queue_position_counts_only_the_same_queue():
    calls = [WaitingCall(1, "general", 10), WaitingCall(2, "enterprise", 5), WaitingCall(3, "general", 20),
             WaitingCall(4, "general", 30, urgent=True)]
    assert queue_position(calls, 4) == 1
    assert queue_position(calls, 1) == 2
    assert queue_position(calls, 3) == 3
    assert queue_position(calls, 2) == 1
    assert queue_position(calls, 99) is None


@given(st.lists(st.tuples(st.integers(1, 50), st.floats(0, 1000), st.booleans()), max_size=15, unique_by=lambda t: t[0]),
       st.lists(st.tuples(st.integers(100, 150), st.sampled_from(["ready", "not_ready", "on_call", "wrap_up"]),
                          st.floats(0, 1000)), max_size=10, unique_by=lambda t: t[0]))
def test_plan_never_offers_an_agent_twice_nor_to_an_unavailable_agent(calls, agents):
    waiting = [WaitingCall(cid, "general", at, urgent) for cid, at, urgent in calls]
    snapshots = [agent(uid, state, idle=idle, wrap_until=idle if state == "wrap_up" else None)
                 for uid, state, idle in agents]
    plan = plan_offers(waiting, snapshots, now=500)
    agents_used = [uid for _, uid in plan]
    assert len(agents_used) == len(set(agents_used))
    assert len({cid for cid, _ in plan}) == len(plan)
    available = {a.user_id for a in snapshots if is_available(a, 500)}
    assert set(agents_used) <= available
    assert len(plan) == min(len(waiting), len(available))
