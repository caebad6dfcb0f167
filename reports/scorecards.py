"""Scorecards of city centres (市州中心), sub-centres (分中心) and handling units (承办单位) for a month
(R-27): the rates from SQL aggregates, the score, ranking and month-over-month change (reports.scoring)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from models import Call, OrgUnit, Region, Ticket
from models.base import UtcDateTime
from reports import repository, scoring
from reports.periods import Period
from reports.service import rate
from reports.weights import active
from stats import repository as call_figures
from stats import service as stats
from stats.config import StatsConfig
from stats.figures import Figures, SegmentKind

LEVELS = ("city", "sub_centre", "unit")
LEVEL_NAMES = {"city": "市州热线中心", "sub_centre": "分中心", "unit": "承办单位"}


def _ticket_metrics(f: dict[str, int] | None, sat: tuple[int, int] | None,
                    rep: tuple[int, int] | None) -> dict[str, float | None]:
    f = f or {}
    return {"sign_on_time": rate(f.get("sign_on_time", 0), f.get("signed", 0)),
            "handle_on_time": rate(f.get("handle_on_time", 0), f.get("completed", 0)),
            "return_rate": rate(f.get("returned", 0), f.get("dispatched", 0)),
            "extension_rate": rate(f.get("extended", 0), f.get("dispatched", 0)),
            "satisfaction": rate(*sat) if sat else None, "repeat_rate": rate(*rep) if rep else None}


def _call_metrics(figures: Figures | None) -> dict[str, float | None]:
    if figures is None or not figures.offered:
        return {"answer_rate": None, "service_level": None}
    return {"answer_rate": round(figures.answer_rate, 4) if figures.answer_rate is not None else None,
            "service_level": round(figures.service_level, 4) if figures.service_level is not None else None}


async def _calls_by_city(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                         config: StatsConfig) -> dict[str, Figures]:
    """The stats domain's figures (same columns, same window) per city of the call's region."""
    dialect = session.get_bind().dialect.name
    city = func.substr(Call.region_code, 1, 4).label("city")
    query = (select(city, *call_figures.figure_columns(now=now, policy=config.figures, dialect=dialect))
             .where(Call.entered_queue_at.is_not(None), Call.entered_queue_at >= literal(start, UtcDateTime()),
                    Call.entered_queue_at < literal(end, UtcDateTime()), Call.region_code.is_not(None),
                    Call.started_at >= start - timedelta(seconds=config.figures.stale_wait_seconds),
                    Call.started_at < end).group_by(city))
    return {f"{row.city}00": call_figures.row_to_figures(row, now=now) for row in await session.execute(query)}


async def _level(session: AsyncSession, level: str, period: Period, scope: Scope, *, now: datetime,
                 config: StatsConfig) -> dict[str, dict[str, Any]]:
    """key → {name, metrics} for one level and one period."""
    start, end = period.start, min(period.end, now)
    if end <= start:
        return {}
    if level == "city":
        key = (func.substr(Ticket.region_code, 1, 4) + "00")
        figures = await repository.ticket_figures_by(session, key, start, end, scope)
        sats = await repository.satisfaction_by(session, key, start, end, scope)
        reps = await repository.repeats_by(session, key, start, end, scope)
        calls = await _calls_by_city(session, start, end, now, config)
        codes = sorted(k for k in {*figures, *calls} if scope.covers_region(k) or scope.everything)
        names = dict((await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))).tuples().all())
        return {code: {"name": f"{names.get(code, code)}12345中心",
                       "metrics": {**_call_metrics(calls.get(code)), **_ticket_metrics(figures.get(code), sats.get(code), reps.get(code))}}
                for code in codes}
    if level == "sub_centre":
        if not scope.everything:
            return {}
        segments, _ = await stats.segment_report(session, start=start, end=end, now=now, config=config)
        return {segment.key: {"name": name, "metrics": {**_call_metrics(figures), **_ticket_metrics(None, None, None)}}
                for segment, name, figures in segments if segment.kind is SegmentKind.SUB_CENTRE}
    key = Ticket.lead_unit_id
    figures = await repository.ticket_figures_by(session, key, start, end, scope)
    sats = await repository.satisfaction_by(session, key, start, end, scope)
    reps = await repository.repeats_by(session, key, start, end, scope)
    ids = sorted(k for k in figures if k is not None)
    names = dict((await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))).tuples().all())
    return {str(unit): {"name": names.get(unit, str(unit)), "unit_id": unit,
                        "metrics": {"answer_rate": None, "service_level": None,
                                    **_ticket_metrics(figures.get(unit), sats.get(unit), reps.get(unit))}}
            for unit in ids}


async def scorecards(session: AsyncSession, period: Period, scope: Scope, *, now: datetime,
                     config: StatsConfig) -> dict[str, Any]:
    """Every level's scorecards for the period: metrics, score, rank, change against the previous one."""
    weights_row = await active(session)
    weights = dict(weights_row.body) if weights_row else {m: 1.0 for m in scoring.METRICS}
    previous = period.previous()
    levels = []
    for level in LEVELS:
        current = await _level(session, level, period, scope, now=now, config=config)
        before = await _level(session, level, previous, scope, now=now, config=config)
        scores = {k: scoring.score(v["metrics"], weights) for k, v in current.items()}
        earlier = {k: scoring.score(v["metrics"], weights) for k, v in before.items()}
        ranks, earlier_ranks = scoring.rank(scores), scoring.rank(earlier)
        rows = [{"key": k, "name": v["name"], "metrics": v["metrics"], "score": scores[k], "rank": ranks[k],
                 "previous_score": earlier.get(k), "change": scoring.change(scores[k], earlier.get(k)),
                 "previous_rank": earlier_ranks.get(k)} for k, v in current.items()]
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
        levels.append({"level": level, "name": LEVEL_NAMES[level], "rows": rows})
    return {"period": period.label, "month": period.first.strftime("%Y-%m"), "start": period.start.isoformat(),
            "end": period.end.isoformat(), "weights_version": weights_row.version if weights_row else None,
            "weights": weights, "metric_names": scoring.METRIC_NAMES, "levels": levels}
