"""Figures for REST, the wallboard and the staffing plan (R-05, R-27, R-34).

Historical figures come from the calls table (stats.repository); the live part of the
wallboard — callers waiting now, agents' states — from the ACD's shared state in Redis.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from acd import states as agent_states
from acd.store import AcdStore
from callbacks.service import task_figures
from models import OrgUnit, User
from stats import repository
from stats.alarm_service import alarm_dict, open_alarms
from stats.config import SegmentNames, StatsConfig, segment_names
from stats.figures import (
    CENTRE,
    Figures,
    Segment,
    SegmentCatalog,
    SegmentKind,
    day_start,
    half_hour_slots,
    roll_up,
    windows,
)
from stats.staffing import WorkBudget, staffing_plan

ALWAYS_SHOWN_QUEUES = ("general", "enterprise")
KIND_ORDER = {SegmentKind.CENTRE: 0, SegmentKind.QUEUE: 1, SegmentKind.EXPERT_GROUP: 2, SegmentKind.SUB_CENTRE: 3}


def visible_seats(principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-seat rows (states, not-ready reasons, per-agent figures) this person may see (R-31, R-35):
    none without `stats:seats` (units see aggregates only); a city centre only its region's seats."""
    if not principal.can(Permission.SEAT_STATS_READ):
        return []
    if principal.scope.everything:
        return rows
    return [row for row in rows if principal.scope.covers_region(row.get("region_code"))]


async def seat_regions(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    """The region code of each seat's organisation unit (what a region's scope is matched against)."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, OrgUnit.region_code).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                                 .where(User.id.in_(user_ids)))
    return dict(rows.tuples().all())


def _total(by_key: dict[Any, Figures]) -> Figures:
    total = Figures()
    for figures in by_key.values():
        total.merge(figures)
    return total


async def answer_rate(session: AsyncSession, *, start: datetime, end: datetime, now: datetime, queue: str | None,
                      config: StatsConfig, region: str | None = None) -> Figures:
    """The figures of [start, end), for one queue or the whole centre (or one region's calls)."""
    by_queue = await repository.figures_by_queue(session, start=start, end=end, now=now, policy=config.figures,
                                                 queue=queue, region=region)
    return _total(by_queue)


async def segment_report(session: AsyncSession, *, start: datetime, end: datetime, now: datetime,
                         config: StatsConfig) -> tuple[list[tuple[Segment, str, Figures]], list[dict[str, Any]]]:
    """Per segment (centre, queues, expert-seat groups, sub-centres) and per agent, for a date range (R-27);
    an agent row carries its seat's region_code (for visible_seats)."""
    by_queue = await repository.figures_by_queue(session, start=start, end=end, now=now, policy=config.figures)
    names = await segment_names(session, config.catalog)
    segments = sorted(roll_up(by_queue, config.catalog).items(), key=lambda kv: (KIND_ORDER[kv[0].kind], kv[0].key))
    by_agent = await repository.figures_by_agent(session, start=start, end=end, now=now, policy=config.figures)
    people = await _display_names(session, list(by_agent))
    regions = await seat_regions(session, list(by_agent))
    agents = [{"user_id": user_id, "name": people.get(user_id, str(user_id)), "region_code": regions.get(user_id),
               "figures": figures.as_dict()} for user_id, figures in sorted(by_agent.items())]
    return [(segment, names.name(segment), figures) for segment, figures in segments], agents


async def _display_names(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return dict(rows.tuples().all())


# --- the wallboard -----------------------------------------------------------------------------

async def _live_waiting(acd: AcdStore, catalog: SegmentCatalog) -> dict[Segment, tuple[int, float]]:
    """Per segment: callers waiting now and the epoch time the longest-waiting one entered its queue."""
    result: dict[Segment, tuple[int, float]] = {}
    for call in await acd.waiting_calls():
        for segment in catalog.segments_of_queue(call.queue):
            count, oldest = result.get(segment, (0, call.entered_at))
            result[segment] = (count + 1, min(oldest, call.entered_at))
    return result


def _segment_row(segment: Segment, names: SegmentNames, per_window: dict[str, dict[Segment, Figures]],
                 waiting: tuple[int, float] | None, alarm_id: int | None, now: datetime) -> dict[str, Any]:
    count, oldest = waiting or (0, None)
    return {
        "id": segment.id, "kind": segment.kind.value, "key": segment.key, "name": names.name(segment),
        **{window: per_window[window].get(segment, Figures()).as_dict() for window in per_window},
        "waiting": count,
        "oldest_waiting_at": datetime.fromtimestamp(oldest, now.tzinfo).isoformat() if oldest else None,
        "longest_wait_seconds": round(max(0.0, now.timestamp() - oldest), 1) if oldest else None,
        "alarm_id": alarm_id,
    }


def _shown(segment: Segment, config: StatsConfig, active: set[Segment]) -> bool:
    # expert queues are shown as their expert-seat group; quiet expert groups are left out
    if segment.kind is SegmentKind.QUEUE:
        if config.catalog.expert_group(segment.key):
            return False
        return segment.key in ALWAYS_SHOWN_QUEUES or segment in active
    if segment.kind is SegmentKind.SUB_CENTRE:
        return True
    return segment.kind is SegmentKind.CENTRE or segment in active


def _series(slots: dict[tuple[str | None, int], Figures], start: datetime, now: datetime,
            config: StatsConfig) -> list[dict[str, Any]]:
    per_slot: dict[int, Figures] = {}
    for (_, slot), figures in slots.items():
        per_slot.setdefault(slot, Figures()).merge(figures)
    keys = ("offered", "answered", "abandoned", "answer_rate", "service_level_15s")
    return [{"slot": i, "start": lo.astimezone(config.tz).strftime("%H:%M"),
             **{k: v for k, v in per_slot.get(i, Figures()).as_dict().items() if k in keys}}
            for i, (lo, _) in enumerate(half_hour_slots(start, now))]


async def wallboard_figures(session: AsyncSession, acd: AcdStore, *, now: datetime, config: StatsConfig) -> dict[str, Any]:
    """Today / last hour / last 15 minutes per segment, callers waiting now, and today's half-hour chart."""
    bounds = windows(now, config.tz)
    today_start = bounds["today"][0]
    slots = await repository.figures_by_half_hour(session, start=today_start, end=now, now=now, policy=config.figures)
    today_by_queue: dict[str | None, Figures] = {}
    for (queue, _), figures in slots.items():
        today_by_queue.setdefault(queue, Figures()).merge(figures)
    per_window = {"today": roll_up(today_by_queue, config.catalog)}
    for name in ("1h", "15m"):
        start, end = bounds[name]
        by_queue = await repository.figures_by_queue(session, start=start, end=end, now=now, policy=config.figures)
        per_window[name] = roll_up(by_queue, config.catalog)
    waiting = await _live_waiting(acd, config.catalog)
    alarms = {Segment(SegmentKind(a.segment_kind), a.segment_key): a.id for a in await open_alarms(session)}
    names = await segment_names(session, config.catalog)
    known = {s for window in per_window.values() for s in window} | set(waiting) | set(alarms)
    known |= {Segment(SegmentKind.QUEUE, q) for q in ALWAYS_SHOWN_QUEUES}
    known |= {Segment(SegmentKind.SUB_CENTRE, c) for c in config.catalog.sub_centre_of_queue.values()}
    shown = sorted((s for s in known if _shown(s, config, set(per_window["today"]) | set(waiting) | set(alarms))),
                   key=lambda s: (KIND_ORDER.get(s.kind, 9), s.key))
    rows = [_segment_row(s, names, per_window, waiting.get(s), alarms.get(s), now) for s in shown]
    return {"generated_at": now.isoformat(), "day_start": today_start.isoformat(), "target": config.target,
            "service_level_seconds": config.figures.service_level_seconds,
            "alarm_window_minutes": config.alarms.window_minutes,
            "centre": next(r for r in rows if r["id"] == CENTRE.id),
            "segments": [r for r in rows if r["id"] != CENTRE.id], "series": _series(slots, today_start, now, config)}


async def wallboard_agents(session: AsyncSession, acd: AcdStore, *, now: datetime,
                           config: StatsConfig) -> list[dict[str, Any]]:
    """Every signed-in agent: state, time in state (since), not-ready reason, today's calls, and the region
    of the seat's unit (for visible_seats)."""
    start = day_start(now, config.tz)
    today = await repository.figures_by_agent(session, start=start, end=now, now=now, policy=config.figures)
    agents = await acd.agents()
    regions = await seat_regions(session, [agent.user_id for agent in agents])
    rows = []
    for agent in agents:
        state = agent_states.effective(agent.state, now.timestamp())
        figures = today.get(agent.user_id, Figures())
        rows.append({
            "user_id": agent.user_id, "name": agent.display_name or agent.username, "extension": agent.extension,
            "region_code": regions.get(agent.user_id),
            "state": state.state, "reason": state.reason,
            "since": datetime.fromtimestamp(state.since, now.tzinfo).isoformat() if state.since else None,
            "skills": sorted(agent.skills), "answered_today": figures.answered,
            "average_handle_time_today": figures.as_dict()["average_handle_time"],
            # the call a talking seat is on: the wallboard's listen / whisper / barge buttons
            "call_id": agent.call_id if state.state == "on_call" else None,
        })
    return sorted(rows, key=lambda r: (r["extension"] or "", r["user_id"]))


async def wallboard_snapshot(session: AsyncSession, acd: AcdStore, *, now: datetime,
                             config: StatsConfig) -> dict[str, Any]:
    """The whole wallboard (what the page loads on connect and reconnect)."""
    figures = await wallboard_figures(session, acd, now=now, config=config)
    agents = await wallboard_agents(session, acd, now=now, config=config)
    alarms = [alarm_dict(a) for a in await open_alarms(session)]
    # missed-call callbacks today (漏接回拨): open, overdue, callback rate, share done in time
    callbacks = await task_figures(session, since=datetime.fromisoformat(figures["day_start"]), now=now)
    return {**figures, "agents": agents, "alarms": alarms, "callbacks": callbacks}


# --- staffing ----------------------------------------------------------------------------------

async def forecast_from_history(session: AsyncSession, *, day: date, weeks: int, now: datetime,
                                config: StatsConfig) -> tuple[list[float], float | None]:
    """Offered calls per half hour on the same weekday of the previous `weeks` weeks (mean), and their AHT."""
    per_slot = [0.0] * 48
    handled = Figures()
    for back in range(1, weeks + 1):
        start = datetime.combine(day - timedelta(weeks=back), time(0), config.tz)
        slots = await repository.figures_by_half_hour(session, start=start, end=start + timedelta(days=1),
                                                      now=now, policy=config.figures)
        for (_, slot), figures in slots.items():
            if 0 <= slot < 48:
                per_slot[slot] += (figures.offered + figures.short_abandoned) / weeks
            handled.merge(figures)
    return per_slot, handled.average_handle_time


def staffing_table(calls: list[float], *, start_minutes: int, interval_minutes: int, handle_seconds: float,
                   patience_seconds: float, target: float, service_level_target: float | None,
                   service_level_seconds: float, budget: WorkBudget | None = None) -> dict[str, Any]:
    """Agents needed per interval (Erlang A), with the predicted answer rate and 15-s service level;
    TooMuchWork past the budget (default: MAX_WORK_UNITS)."""
    plan = staffing_plan(calls, interval_seconds=interval_minutes * 60, handle_seconds=handle_seconds,
                         patience_seconds=patience_seconds, target_answer_rate=target,
                         service_level_target=service_level_target, service_level_seconds=service_level_seconds,
                         budget=budget or WorkBudget())
    rows = []
    for i, need in enumerate(plan):
        lo = start_minutes + i * interval_minutes
        rows.append({"start": _clock(lo), "end": _clock(lo + interval_minutes), "calls": round(need.calls, 2),
                     "traffic_erlangs": round(need.traffic_erlangs, 3), "agents": need.agents,
                     "answer_rate": round(need.answer_rate, 4), "service_level_15s": round(need.service_level, 4),
                     "wait_probability": round(need.wait_probability, 4), "occupancy": round(need.occupancy, 4)})
    return {"intervals": rows, "peak_agents": max((r["agents"] for r in rows), default=0),
            "agent_hours": round(sum(r["agents"] for r in rows) * interval_minutes / 60, 2)}


def _clock(minutes: int) -> str:
    return "24:00" if minutes >= 24 * 60 else f"{minutes // 60:02d}:{minutes % 60:02d}"

