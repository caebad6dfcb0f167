"""Staffing: how many agents an interval needs to answer ≥ 95 % of its calls (R-05). Pure functions.

Erlang C (M/M/N, callers never hang up) gives the classic waiting probability and service
level. Callers do hang up, and the regulation's target is the ANSWER rate, which only a model
with abandonment can predict: Erlang A (M/M/N+M, Palm; Garnett, Mandelbaum & Reiman 2002),
with exponentially distributed patience of mean `patience_seconds`. The number of agents
needed is the smallest N whose Erlang A answer rate reaches the target (and, when a
service-level target is given, whose 15-second service level reaches it too).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_AGENTS = 5000  # far above any real centre; a forecast needing more is refused
MAX_QUEUE_STATES = 20_000  # queue lengths considered (only an overloaded, endlessly patient queue gets near)
_TAIL_EPSILON = 1e-13
_PIECE_JUMPS = 400  # expected jumps per uniformisation piece: exp(-400) ≈ 1e-174 is far from underflow
# Work units one plan may use: a unit is about one state of one step of the chains below (about
# 0.2 µs of CPU here), so the bound caps a request's CPU time whatever its inputs; a plan for 48
# half hours of 2,000 calls each uses about 700,000 (bench/bench_staffing.py: the worst accepted time).
MAX_WORK_UNITS = 1_000_000


class TooMuchWork(ValueError):
    """A forecast whose plan would need more computation (or more agents) than one request may have."""


class WorkBudget:
    """Counts the work of one plan and stops it, before the step that would go past the bound."""

    def __init__(self, units: int = MAX_WORK_UNITS) -> None:
        self.limit = units
        self.left = units

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise TooMuchWork(f"the plan needs more than {self.limit:,} work units")


def erlang_b(servers: int, traffic: float) -> float:
    """Blocking probability of M/M/N/N with `traffic` erlangs offered (stable recursion)."""
    if servers < 0 or traffic < 0:
        raise ValueError("servers and traffic must be non-negative")
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(servers: int, traffic: float) -> float:
    """Probability that a caller waits (M/M/N); 1.0 when the agents cannot keep up (N ≤ A)."""
    if traffic == 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = erlang_b(servers, traffic)
    return servers * blocking / (servers - traffic * (1 - blocking))


def erlang_c_service_level(servers: int, traffic: float, *, handle_seconds: float, within_seconds: float) -> float:
    """Fraction of callers answered within `within_seconds` under Erlang C."""
    if servers <= traffic:
        return 0.0 if traffic > 0 else 1.0
    waiting = erlang_c(servers, traffic)
    return 1.0 - waiting * math.exp(-(servers - traffic) * within_seconds / handle_seconds)


def erlang_c_asa(servers: int, traffic: float, *, handle_seconds: float) -> float:
    """Average speed of answer under Erlang C (infinite when N ≤ A)."""
    if servers <= traffic:
        return math.inf if traffic > 0 else 0.0
    return erlang_c(servers, traffic) * handle_seconds / (servers - traffic)


@dataclass(frozen=True)
class ErlangA:
    """The steady state of M/M/N+M: what fraction of callers wait, hang up, are answered."""

    servers: int
    arrival_rate: float  # calls per second
    handle_seconds: float
    patience_seconds: float
    wait_probability: float
    abandon_probability: float
    mean_queue: float
    positions: tuple[float, ...]  # P(an arriving caller finds i callers ahead in the queue), i = 0, 1, …

    @property
    def answer_rate(self) -> float:
        return 1.0 - self.abandon_probability

    @property
    def occupancy(self) -> float:
        """Fraction of agent time spent on calls (answered traffic ÷ agents)."""
        if self.servers == 0:
            return 0.0
        return min(1.0, self.arrival_rate * self.answer_rate * self.handle_seconds / self.servers)


def erlang_a(servers: int, *, arrival_rate: float, handle_seconds: float, patience_seconds: float,
             budget: WorkBudget | None = None) -> ErlangA:
    """Solve the birth–death chain of M/M/N+M (states truncated where the tail is negligible)."""
    if arrival_rate < 0 or handle_seconds <= 0 or patience_seconds <= 0 or servers < 0:
        raise ValueError("rates and times must be positive")
    mu, theta, lam = 1.0 / handle_seconds, 1.0 / patience_seconds, arrival_rate
    if lam == 0:
        return ErlangA(servers, 0.0, handle_seconds, patience_seconds, 0.0, 0.0, 0.0, ())
    # unnormalised probabilities scaled to p_N = 1, so no factorial overflows
    below, term, steps = 0.0, 1.0, 0  # p_{N-1} + … + p_0
    for k in range(servers, 0, -1):
        steps += 1
        term *= k * mu / lam
        below += term
        if term < _TAIL_EPSILON * below:
            break
    above = [1.0]  # p_N, p_{N+1}, …: an arrival that finds N+i in the system waits behind i callers
    tail, j = 1.0, 0
    while j < MAX_QUEUE_STATES:
        j += 1
        ratio = lam / (servers * mu + j * theta)
        above.append(above[-1] * ratio)
        tail += above[-1]
        # past the mode the terms fall faster than a geometric series of this ratio: bound the rest
        if ratio < 1 and above[-1] * ratio / (1 - ratio) < _TAIL_EPSILON * tail:
            break
    if budget is not None:  # bounded overshoot: one chain of at most N + MAX_QUEUE_STATES states
        budget.spend(2 * (steps + 3 * len(above)))  # these steps cost about twice the uniformisation's
    total = below + tail
    mean_queue = sum(i * p for i, p in enumerate(above)) / total
    positions = tuple(p / total for p in above)
    wait = sum(positions) if servers > 0 else 1.0
    return ErlangA(servers, lam, handle_seconds, patience_seconds, wait,
                   min(1.0, theta * mean_queue / lam), mean_queue, positions)


def erlang_a_service_level(model: ErlangA, *, within_seconds: float, budget: WorkBudget | None = None) -> float:
    """Fraction of ANSWERED callers answered within `within_seconds` (the GB/T 33358 15 s figure).

    A waiting caller with i callers ahead moves up at rate Nμ + iθ (a call ends or someone ahead
    hangs up) and hangs up at rate θ; the chance of reaching an agent within the time is found by
    uniformisation of that small chain, in steps short enough that exp(−Λτ) never underflows.
    """
    n_mu, theta = model.servers / model.handle_seconds, 1.0 / model.patience_seconds
    if model.arrival_rate == 0 or n_mu == 0:
        return 1.0
    if model.answer_rate <= 0:  # everyone hangs up before an agent is free: nobody is answered in time
        return 0.0
    uniform = n_mu + len(model.positions) * theta
    pieces = max(1, math.ceil(uniform * within_seconds / _PIECE_JUMPS))
    if budget is not None:  # known before the first step: refused without doing it; a piece that
        # keeps its end state does twice the work of the last one
        budget.spend((2 * pieces - 1) * (_steps(uniform * within_seconds / pieces) + 1) * len(model.positions))
    state, served = list(model.positions), 0.0
    for piece in range(pieces):
        state, served = _evolve(state, served, uniform=uniform, n_mu=n_mu, theta=theta,
                                duration=within_seconds / pieces, keep_state=piece < pieces - 1)
    return min(1.0, ((1.0 - model.wait_probability) + served) / model.answer_rate)


def _steps(mean: float) -> int:
    """Poisson terms summed for a uniformised interval of `mean` expected jumps."""
    return int(mean + 10 * math.sqrt(mean) + 20)


def _evolve(state: list[float], served: float, *, uniform: float, n_mu: float, theta: float,
            duration: float, keep_state: bool = True) -> tuple[list[float], float]:
    """Transient of the tagged-caller chain over `duration` (uniformisation); the distribution at
    its end only when `keep_state` (the last piece needs just the probability of being served)."""
    mean = uniform * duration
    poisson = math.exp(-mean)
    # per step, a caller with i callers ahead moves up (or is served, i = 0) with probability
    # leave[i] − θ/Λ and hangs up with θ/Λ; new[i] = state[i]·stay[i] + state[i+1]·leave[i]
    leave = [(n_mu + (i + 1) * theta) / uniform for i in range(len(state))]
    stay = [1 - out for out in leave]
    result, served_result = [0.0] * len(state), 0.0
    absorbed = served
    for k in range(_steps(mean) + 1):
        if keep_state:
            result = [r + poisson * p for r, p in zip(result, state, strict=True)]
        served_result += poisson * absorbed
        absorbed += state[0] * n_mu / uniform
        shifted = state[1:] + [0.0]
        state = [p * a + q * b for p, a, q, b in zip(state, stay, shifted, leave, strict=True)]
        poisson *= mean / (k + 1)
    return result, served_result


@dataclass(frozen=True)
class IntervalNeed:
    """The staffing answer for one interval (e.g. one half hour)."""

    calls: float
    traffic_erlangs: float
    agents: int
    answer_rate: float
    service_level: float
    wait_probability: float
    occupancy: float


def agents_needed(*, calls: float, interval_seconds: float, handle_seconds: float, patience_seconds: float,
                  target_answer_rate: float = 0.95, service_level_target: float | None = None,
                  service_level_seconds: float = 15, budget: WorkBudget | None = None) -> IntervalNeed:
    """The fewest agents whose predicted answer rate (and service level, if given) reach the targets."""
    if calls < 0 or interval_seconds <= 0 or handle_seconds <= 0 or patience_seconds <= 0:
        raise ValueError("calls must be ≥ 0, durations > 0")
    rate = calls / interval_seconds
    traffic = rate * handle_seconds
    if calls == 0:
        return IntervalNeed(0.0, 0.0, 0, 1.0, 1.0, 0.0, 0.0)
    # answered traffic cannot exceed the agents: fewer than A × target can never reach the target
    servers = max(1, math.floor(traffic * target_answer_rate))
    if servers > MAX_AGENTS:
        raise TooMuchWork(f"{traffic:,.0f} erlangs need more than {MAX_AGENTS} agents")
    models: dict[int, ErlangA] = {}
    levels: dict[int, float] = {}

    def model(n: int) -> ErlangA:
        if n not in models:
            models[n] = erlang_a(n, arrival_rate=rate, handle_seconds=handle_seconds,
                                 patience_seconds=patience_seconds, budget=budget)
        return models[n]

    def level(n: int) -> float:
        if n not in levels:
            levels[n] = erlang_a_service_level(model(n), within_seconds=service_level_seconds, budget=budget)
        return levels[n]

    # the answer rate is met within a few √A agents of the start: walk up
    while model(servers).answer_rate < target_answer_rate and servers < MAX_AGENTS:
        servers += 1
    if service_level_target is not None and level(servers) < service_level_target:
        # the service level rises with the agents: gallop to a staffing that meets it, then halve
        failing, step = servers, 1
        meeting = min(MAX_AGENTS, servers + step)
        while level(meeting) < service_level_target and meeting < MAX_AGENTS:
            failing, step = meeting, step * 2
            meeting = min(MAX_AGENTS, servers + step)
        while meeting - failing > 1:
            middle = (failing + meeting) // 2
            if level(middle) >= service_level_target:
                meeting = middle
            else:
                failing = middle
        servers = meeting
    found = model(servers)
    return IntervalNeed(calls, traffic, servers, found.answer_rate, level(servers), found.wait_probability,
                        found.occupancy)


def staffing_plan(calls_per_interval: Sequence[float], *, interval_seconds: float, handle_seconds: float,
                  patience_seconds: float, target_answer_rate: float = 0.95,
                  service_level_target: float | None = None, service_level_seconds: float = 15,
                  budget: WorkBudget | None = None) -> list[IntervalNeed]:
    """agents_needed for each interval of a forecast, all within one budget (TooMuchWork past it)."""
    for calls in calls_per_interval:  # refuse an unstaffable forecast before computing any of it
        if calls > 0 and calls / interval_seconds * handle_seconds * target_answer_rate >= MAX_AGENTS + 1:
            raise TooMuchWork(f"{calls:g} calls of {handle_seconds:g} s in {interval_seconds / 60:g} minutes "
                              f"need more than {MAX_AGENTS} agents")
    return [agents_needed(calls=calls, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                          patience_seconds=patience_seconds, target_answer_rate=target_answer_rate,
                          service_level_target=service_level_target, service_level_seconds=service_level_seconds,
                          budget=budget)
            for calls in calls_per_interval]
