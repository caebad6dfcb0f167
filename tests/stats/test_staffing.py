"""Staffing for the 95 % answer-rate target (R-05): Erlang B/C against published values, Erlang A
against its closed-form special cases, and the agents-needed search. Pure: no database."""
from __future__ import annotations

import math

import pytest

from stats.staffing import (
    MAX_AGENTS,
    MAX_WORK_UNITS,
    TooMuchWork,
    WorkBudget,
    agents_needed,
    erlang_a,
    erlang_a_service_level,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    staffing_plan,
)

# The textbook example (100 calls in 30 min, 180 s handle time = 10 erlangs, 20 s target):
# agents → (P(wait), service level within 20 s, ASA s), as published in Erlang C tables.
ERLANG_C_10 = {11: (0.6821, 0.3896, 122.8), 12: (0.4494, 0.6402, 40.4), 13: (0.2853, 0.7956, 17.1),
               14: (0.1741, 0.8884, 7.8), 15: (0.1020, 0.9415, 3.7)}


@pytest.mark.parametrize(("agents", "expected"), sorted(ERLANG_C_10.items()))
def test_erlang_c_known_values(agents, expected):
    wait, level, asa = expected
    assert erlang_c(agents, 10.0) == pytest.approx(wait, abs=5e-5)
    assert erlang_c_service_level(agents, 10.0, handle_seconds=180, within_seconds=20) == pytest.approx(level, abs=5e-5)
    assert erlang_c_asa(agents, 10.0, handle_seconds=180) == pytest.approx(asa, abs=0.05)


def test_erlang_b_known_values_and_edges():
    assert erlang_b(10, 10.0) == pytest.approx(0.21458, abs=1e-5)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_c(5, 5.0) == 1.0 and erlang_c(5, 0.0) == 0.0  # overloaded / idle
    assert erlang_c_service_level(5, 6.0, handle_seconds=180, within_seconds=15) == 0.0
    with pytest.raises(ValueError):
        erlang_b(-1, 1.0)


def test_erlang_a_tends_to_erlang_c_when_callers_never_hang_up():
    model = erlang_a(12, arrival_rate=100 / 1800, handle_seconds=180, patience_seconds=1e9)
    assert model.wait_probability == pytest.approx(erlang_c(12, 10.0), abs=1e-6)
    assert model.abandon_probability < 1e-6
    assert erlang_a_service_level(model, within_seconds=20) == pytest.approx(0.6402, abs=1e-4)


def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_queue():
    # θ = μ: every caller leaves at rate μ whether served or waiting, so the number of callers in the
    # system is Poisson(A); those beyond N are the queue, and P(abandon) = E[(K − N)+] / A.
    a, n = 10.0, 8
    poisson = [math.exp(-a + k * math.log(a) - math.lgamma(k + 1)) for k in range(200)]
    model = erlang_a(n, arrival_rate=a / 180, handle_seconds=180, patience_seconds=180)
    assert model.wait_probability == pytest.approx(sum(poisson[n:]), abs=1e-10)
    assert model.abandon_probability == pytest.approx(sum((k - n) * p for k, p in enumerate(poisson) if k > n) / a,
                                                      abs=1e-10)


def test_erlang_a_matches_a_simulation():
    # reference values from a 3·10^6-second discrete-event simulation of M/M/N+M (seed 1):
    # 17 agents, 100 calls per half hour, 240 s handle time, 60 s mean patience
    model = erlang_a(17, arrival_rate=100 / 1800, handle_seconds=240, patience_seconds=60)
    assert model.answer_rate == pytest.approx(0.9565, abs=0.003)
    assert erlang_a_service_level(model, within_seconds=15) == pytest.approx(0.9502, abs=0.003)


def test_agents_needed_is_the_fewest_meeting_the_target():
    need = agents_needed(calls=300, interval_seconds=1800, handle_seconds=240, patience_seconds=60)
    assert need.traffic_erlangs == pytest.approx(40.0)
    assert need.answer_rate >= 0.95
    fewer = erlang_a(need.agents - 1, arrival_rate=300 / 1800, handle_seconds=240, patience_seconds=60)
    assert fewer.answer_rate < 0.95
    assert 0 < need.occupancy <= 1


def test_service_level_target_can_only_add_agents():
    plain = agents_needed(calls=300, interval_seconds=1800, handle_seconds=240, patience_seconds=60)
    strict = agents_needed(calls=300, interval_seconds=1800, handle_seconds=240, patience_seconds=60,
                           service_level_target=0.99)
    assert strict.agents > plain.agents and strict.service_level >= 0.99


def test_plan_per_half_hour_and_quiet_intervals():
    plan = staffing_plan([0, 20, 300], interval_seconds=1800, handle_seconds=240, patience_seconds=60)
    assert plan[0].agents == 0 and plan[0].answer_rate == 1.0
    assert plan[1].agents < plan[2].agents
    with pytest.raises(ValueError):
        agents_needed(calls=-1, interval_seconds=1800, handle_seconds=240, patience_seconds=60)


async def test_absurd_staffing_inputs_are_refused_not_crashed(client):
    """Found by schemathesis: a denormal patience overflowed the Erlang A chain (500)."""
    from tests.conftest import login

    headers = await login(client, "supervisor")
    body = {"calls": [99999.0], "handle_seconds": 240, "interval_minutes": 30, "patience_seconds": 5e-324,
            "start": "00:00", "target_answer_rate": 0.95}
    assert (await client.post("/api/v1/stats/staffing", headers=headers, json=body)).status_code == 422
    body["patience_seconds"] = 1
    assert (await client.post("/api/v1/stats/staffing", headers=headers, json=body)).status_code == 422  # > 20,000
    body["calls"] = [3000.0]
    response = await client.post("/api/v1/stats/staffing", headers=headers, json=body)
    assert response.status_code == 200, response.text


# one heavy 15-minute interval: long patience and a service-level target make the chains long
HEAVY = {"calls": 1000.0, "interval_minutes": 15, "handle_seconds": 240, "patience_seconds": 1800,
         "service_level_target": 0.9}


def _units_of_one_heavy_interval() -> int:
    budget = WorkBudget(10**12)
    agents_needed(calls=HEAVY["calls"], interval_seconds=HEAVY["interval_minutes"] * 60,
                  handle_seconds=HEAVY["handle_seconds"], patience_seconds=HEAVY["patience_seconds"],
                  service_level_target=HEAVY["service_level_target"], budget=budget)
    return budget.limit - budget.left


def test_a_plan_stops_at_its_work_bound():
    units = _units_of_one_heavy_interval()
    fits = MAX_WORK_UNITS // units
    assert 1 <= fits < 95  # the boundary lies inside one day of 15-minute intervals
    plan = {"interval_seconds": 900, "handle_seconds": 240, "patience_seconds": 1800, "service_level_target": 0.9}
    budget = WorkBudget()
    assert len(staffing_plan([HEAVY["calls"]] * fits, **plan, budget=budget)) == fits
    assert 0 <= budget.left < units
    with pytest.raises(TooMuchWork):
        staffing_plan([HEAVY["calls"]] * (fits + 1), **plan, budget=WorkBudget())
    with pytest.raises(TooMuchWork, match=f"more than {MAX_AGENTS} agents"):
        staffing_plan([1.0, 20_000.0], interval_seconds=900, handle_seconds=7200, patience_seconds=90)


async def test_the_staffing_endpoint_answers_422_past_the_work_bound(client):
    """Before the bound, one request could hold a CPU for minutes (20,000 calls of 2 h: 13 s for one
    interval, and 96 intervals per request)."""
    from tests.conftest import login

    headers = await login(client, "supervisor")
    fits = MAX_WORK_UNITS // _units_of_one_heavy_interval()
    body = {**HEAVY, "calls": [HEAVY["calls"]] * fits}
    accepted = await client.post("/api/v1/stats/staffing", headers=headers, json=body)
    assert accepted.status_code == 200, accepted.text
    assert len(accepted.json()["intervals"]) == fits
    refused = await client.post("/api/v1/stats/staffing", headers=headers,
                                json={**body, "calls": [HEAVY["calls"]] * (fits + 1)})
    assert refused.status_code == 422
    assert refused.json()["code"] == "staffing_too_large"
    assert "work bound" in refused.json()["detail"]
    unstaffable = {"calls": [20_000.0], "interval_minutes": 15, "handle_seconds": 7200, "patience_seconds": 3600}
    response = await client.post("/api/v1/stats/staffing", headers=headers, json=unstaffable)
    assert response.status_code == 422 and f"more than {MAX_AGENTS} agents" in response.json()["detail"]
