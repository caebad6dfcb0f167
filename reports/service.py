"""A period report (日报 … 年报, R-34, R-12): every part computed by SQL aggregates (reports.repository),
the call figures by the stats domain (the same definitions as the wallboard)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from analytics import service as analytics
from analytics.repository import TopicFilter
from models import Ticket
from reports import labels, repository
from reports.periods import KIND_NAMES, Period
from stats import service as stats
from stats.config import StatsConfig

RETURN_ACTIONS = ("return",)
EXTENSION_ACTIONS = ("request_extension", "approve_extension", "reject_extension")
EVALUATED = ("satisfied", "dissatisfied_reasonable", "dissatisfied_unreasonable")


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole, rounded to 4 places (None when whole is 0)."""
    return round(part / whole, 4) if whole else None


def _rows(kind: str, rows: list[tuple[str | None, int, int]]) -> list[dict[str, Any]]:
    return [{"key": key, "name": labels.name(kind, key), "count": count, "enterprise_related": ent}
            for key, count, ent in rows]


async def report(session: AsyncSession, period: Period, scope: Scope, *, now: datetime,
                 stats_config: StatsConfig) -> dict[str, Any]:
    """Every part of the report of one period, in the viewer's scope."""
    start, end = period.start, period.end
    summary = await repository.summary(session, start, end, scope)
    calls = None  # a handling unit answers no calls; a city centre its region's
    if start < now and not scope.is_unit_scope:
        calls = await stats.answer_rate(session, start=start, end=min(end, now), now=now, queue=None,
                                        config=stats_config, region=None if scope.everything else scope.region_prefix)
    by_category = await repository.by_column(session, Ticket.category, start, end, scope)
    enterprise = [(key, ent, ent) for key, _, ent in by_category if ent]
    return {
        "kind": period.kind.value, "kind_name": KIND_NAMES[period.kind], "label": period.label,
        "start": start.isoformat(), "end": end.isoformat(), "generated_at": now.isoformat(),
        "summary": {**summary, "direct_answer_rate": rate(summary["direct_answered"], summary["tickets"]),
                    "enterprise_rate": rate(summary["enterprise_related"], summary["tickets"]),
                    "calls": _calls(calls, stats_config)},
        "by_channel": _rows("channel", await repository.by_column(session, Ticket.channel, start, end, scope)),
        "by_category": _rows("category", by_category),
        "by_region": [{"key": code, "name": name, "count": n, "enterprise_related": ent}
                      for code, name, n, ent in await repository.by_city(session, start, end, scope)],
        "by_domain": _rows("domain", await repository.by_column(session, Ticket.domain, start, end, scope)),
        "enterprise": {"count": summary["enterprise_related"], "by_category": _rows("category", enterprise)},
        "time_limits": await _time_limits(session, start, end, scope),
        "returns_extensions": await _returns_extensions(session, start, end, scope),
        "satisfaction": await _satisfaction(session, start, end, scope),
        **await _topics_and_alerts(session, start, end, scope),
    }


def _calls(figures, config: StatsConfig) -> dict[str, Any]:
    if figures is None:
        return {"offered": 0, "answered": 0, "abandoned": 0, "answer_rate": None, "service_level_15s": None,
                "target": config.target}
    shown = figures.as_dict()
    return {k: shown[k] for k in ("offered", "answered", "abandoned", "answer_rate", "service_level_15s",
                                  "answered_within_15s")} | {"target": config.target}


async def _time_limits(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, Any]:
    dispatch = await repository.dispatch_on_time(session, start, end, scope)
    units = await repository.unit_steps(session, start, end, scope)
    return {
        "dispatch": {**dispatch, "rate": rate(dispatch["on_time"], dispatch["done"])},
        "units": [{"unit_id": u["unit_id"], "name": u["name"], "tickets": u["tickets"],
                   "signed": u["signed"], "sign_on_time": u["sign_on_time"], "sign_rate": rate(u["sign_on_time"], u["signed"]),
                   "completed": u["completed"], "handle_on_time": u["handle_on_time"],
                   "handle_rate": rate(u["handle_on_time"], u["completed"])} for u in units],
    }


async def _returns_extensions(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, Any]:
    counts = await repository.events_by_unit(session, RETURN_ACTIONS + EXTENSION_ACTIONS, start, end, scope)
    units = sorted({u for u, _ in counts if u is not None})
    names = await repository.unit_names(session, units)

    def total(action: str) -> int:
        return sum(n for (_, a), n in counts.items() if a == action)

    return {
        "returns": total("return"), "extensions_requested": total("request_extension"),
        "extensions_approved": total("approve_extension"), "extensions_rejected": total("reject_extension"),
        "units": [{"unit_id": u, "name": names.get(u, str(u)), "returns": counts.get((u, "return"), 0),
                   "extensions_requested": counts.get((u, "request_extension"), 0),
                   "extensions_approved": counts.get((u, "approve_extension"), 0)} for u in units],
    }


async def _satisfaction(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, Any]:
    parts = await repository.satisfaction(session, start, end, scope)
    counted = parts["counted"]
    evaluated = sum(counted.get(k, 0) for k in EVALUATED)
    return {
        **{k: counted.get(k, 0) for k in labels.SATISFACTION},
        "evaluated": evaluated, "rate": rate(counted.get("satisfied", 0), evaluated),
        "screened_out": sum(parts["screened_out"].values()),
    }


async def _topics_and_alerts(session: AsyncSession, start: datetime, end: datetime, scope: Scope) -> dict[str, Any]:
    topics = await analytics.hot_topics(session, TopicFilter(start, end), scope, limit=10)
    alerts = await analytics.list_alerts(session, scope, open_only=False, kind=None, start=start, end=end, limit=200)
    cases = [{"topic": t["label"], **t["examples"][0]} for t in topics[:5] if t["examples"]]
    return {"hot_topics": topics, "alerts": alerts, "typical_cases": cases}
