"""Hot topics and the alert evaluation (R-24, R-34): the I/O shell around analytics.topics and
analytics.rules.

Evaluation, wherever it runs (after ticket creation, the scheduler's pass, a supervisor's request):
give new tickets their topic, count, decide, and apply the decisions to the stored alerts. An alert
is raised by inserting its open row (a partial unique index allows one open row per kind and key),
so any number of evaluators raise one alert per episode; each change is emitted as `analytics.alert`
through the unit of work (published after the commit).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from analytics import indexer, repository
from analytics.config import AnalyticsConfig
from analytics.events import AnalyticsNotifier
from analytics.repository import TopicFilter
from analytics.rules import (
    BASELINE_DAYS,
    KIND_NAMES,
    Decisions,
    Kind,
    Observation,
    baseline_per_window,
    decide,
    mask_phone,
    notice,
)
from analytics.topics import describe
from audit.service import record
from events.unit_of_work import UnitOfWork
from models import AnalyticsAlert

log = logging.getLogger(__name__)
MAX_TOPICS = 50
EXAMPLE_IDS = 20


async def hot_topics(session: AsyncSession, f: TopicFilter, scope: Scope, *, limit: int = 20) -> list[dict[str, Any]]:
    """The period's largest topics with their label, keywords, counts per county, change against the
    previous period of the same length, and a few example tickets."""
    counts = await repository.topic_counts(session, f, scope, limit=limit)
    topics = [topic for topic, _ in counts]
    previous = await repository.previous_counts(session, f, scope, topics)
    regions = await repository.region_counts(session, f, scope, topics)
    samples = await repository.examples(session, f, scope, topics)
    keywords = await repository.keyword_lists(session, f, scope, topics)
    result = []
    for topic, count in counts:
        label, words = describe(keywords.get(topic, []), fallback=topic)
        before = previous.get(topic, 0)
        result.append({"topic": topic, "label": label, "keywords": words, "count": count,
                       "regions": regions.get(topic, []),
                       "trend": {"previous": before, "change": count - before,
                                 "ratio": round(count / before - 1, 4) if before else None},
                       "examples": samples.get(topic, [])})
    return result


def alert_dict(alert: AnalyticsAlert, region_name: str | None = None) -> dict[str, Any]:
    """An alert as REST and the bus show it."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {"id": alert.id, "kind": alert.kind, "kind_name": KIND_NAMES.get(Kind(alert.kind), alert.kind),
            "label": alert.label, "region_code": alert.region_code, "region_name": region_name,
            "notice": alert.notice, "count": alert.count, "peak": alert.peak, "baseline": alert.baseline,
            "window_minutes": alert.window_minutes, "ticket_ids": list(alert.ticket_ids or []),
            "raised_at": iso(alert.raised_at), "last_seen_at": iso(alert.last_seen_at),
            "cleared_at": iso(alert.cleared_at), "acknowledged_at": iso(alert.acknowledged_at),
            "acknowledged_by_id": alert.acknowledged_by_id, "acknowledgement": alert.acknowledgement}


# --- evaluation ----------------------------------------------------------------------------------

@dataclass
class EvaluationReport:
    indexed: int = 0
    raised: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def _phone_key(phone: str, topic: str) -> str:
    # the caller's number is not kept in the alert: a hash tells the same caller again
    return f"{hashlib.sha256(phone.encode()).hexdigest()[:24]}|{topic}"[:200]


async def observe(session: AsyncSession, *, now: datetime, config: AnalyticsConfig) -> dict[tuple[Kind, str], Observation]:
    """What the counts say now, for every key that reaches at least the clearing level."""
    policy, observations = config.policy, {}
    start = now - timedelta(minutes=policy.surge_window_minutes)
    groups = await repository.surge_counts(session, start=start, end=now, at_least=policy.clear_below(Kind.SURGE))
    prior = await repository.prior_counts(session, [(t, c) for t, c, _, _ in groups], start=start, days=BASELINE_DAYS)
    for topic, county, count, ids in groups:
        label, _ = describe(await repository.keywords_of(session, ids[:50]), fallback=topic)
        key = f"{county}|{topic}"[:200]
        observations[(Kind.SURGE, key)] = Observation(
            Kind.SURGE, key, label, count, region_code=county, ticket_ids=tuple(ids[:EXAMPLE_IDS]),
            baseline=round(baseline_per_window(prior.get((topic, county), 0), policy), 3))
    since = now - timedelta(days=policy.repeat_window_days)
    for phone, topic, region, count, ids in await repository.repeat_callers(
            session, since=since, at_least=policy.clear_below(Kind.REPEAT_CALLER)):
        label, _ = describe(await repository.keywords_of(session, ids[:50]), fallback=topic)
        key = _phone_key(phone, topic)
        observations[(Kind.REPEAT_CALLER, key)] = Observation(
            Kind.REPEAT_CALLER, key, label, count, region_code=region, ticket_ids=tuple(ids[-EXAMPLE_IDS:]),
            detail=mask_phone(phone))
    since = now - timedelta(days=policy.collective_window_days)
    for address, region, callers, ids, topic in await repository.collective(
            session, since=since, at_least=policy.clear_below(Kind.COLLECTIVE)):
        label, _ = describe(await repository.keywords_of(session, ids[:50]), fallback=topic or address[:20])
        key = address[:200]
        observations[(Kind.COLLECTIVE, key)] = Observation(
            Kind.COLLECTIVE, key, label, callers, region_code=region, ticket_ids=tuple(ids[-EXAMPLE_IDS:]),
            detail=address[:60])
    return observations


async def open_alerts(session: AsyncSession) -> list[AnalyticsAlert]:
    return list((await session.scalars(select(AnalyticsAlert).where(AnalyticsAlert.cleared_at.is_(None))
                                       .order_by(AnalyticsAlert.id))).all())


async def evaluate(uow: UnitOfWork, *, now: datetime, config: AnalyticsConfig,
                   index_limit: int = indexer.BATCH) -> EvaluationReport:
    """Index new tickets, then raise, update and clear alerts; changes are emitted on the unit of work."""
    session, report = uow.session, EvaluationReport()
    # the tickets alerts look at (the longest window); older ones get theirs when a hot-topic range asks
    since = now - timedelta(days=max(config.policy.repeat_window_days, config.policy.collective_window_days, 1))
    report.indexed = await indexer.index_pending(session, threshold=config.topic_threshold, since=since,
                                                 limit=index_limit)
    observations = await observe(session, now=now, config=config)
    current = {(Kind(a.kind), a.key): a for a in await open_alerts(session)}
    decisions = decide(current.keys(), observations, config.policy)
    names = await repository.region_names(session, [o.region_code for o in decisions.raise_ if o.region_code]
                                          + [a.region_code for a in current.values() if a.region_code])
    notifier = AnalyticsNotifier(uow)
    await _apply(session, decisions, current, now=now, config=config, names=names, notifier=notifier, report=report)
    return report


async def _apply(session: AsyncSession, decisions: Decisions, current: dict[tuple[Kind, str], AnalyticsAlert], *,
                 now: datetime, config: AnalyticsConfig, names: dict[str, str], notifier: AnalyticsNotifier,
                 report: EvaluationReport) -> None:
    for observation in decisions.raise_:
        alert = AnalyticsAlert(
            kind=observation.kind.value, key=observation.key, label=observation.label[:64],
            region_code=observation.region_code,
            notice=notice(observation, config.policy, names.get(observation.region_code or ""))[:500],
            count=observation.count, peak=observation.count, baseline=observation.baseline,
            window_minutes=_window_minutes(observation.kind, config), ticket_ids=list(observation.ticket_ids),
            raised_at=now, last_seen_at=now)
        try:
            async with session.begin_nested():
                session.add(alert)
                await session.flush()
        except IntegrityError:  # another evaluator raised it first: its alert and its event
            continue
        await record(session, action="analytics.alert_raised", actor_id=None, actor_username=None,
                     resource_type="analytics_alert", resource_id=alert.id,
                     detail={"kind": alert.kind, "label": alert.label, "count": alert.count})
        log.warning("analytics alert raised", extra={"alert_id": alert.id, "kind": alert.kind, "count": alert.count})
        report.raised.append(alert.id)
        notifier.alert_changed("raised", alert_dict(alert, names.get(alert.region_code or "")))
    for (kind, key), alert in current.items():
        if key in decisions.clear and kind.value == alert.kind:
            observation = decisions.clear[key]
            done = await session.execute(
                update(AnalyticsAlert).where(AnalyticsAlert.id == alert.id, AnalyticsAlert.cleared_at.is_(None))
                .values(cleared_at=now, count=observation.count if observation else 0)
                .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                continue
            await session.refresh(alert)
            await record(session, action="analytics.alert_cleared", actor_id=None, actor_username=None,
                         resource_type="analytics_alert", resource_id=alert.id, detail={"count": alert.count})
            report.cleared.append(alert.id)
            notifier.alert_changed("cleared", alert_dict(alert, names.get(alert.region_code or "")))
        elif key in decisions.update:
            observation = decisions.update[key]
            if observation.count != alert.count:
                alert.count, alert.peak = observation.count, max(alert.peak, observation.count)
                alert.last_seen_at = now
                alert.ticket_ids = list(dict.fromkeys([*observation.ticket_ids, *(alert.ticket_ids or [])]))[:EXAMPLE_IDS]
                await session.flush()
                report.updated.append(alert.id)
                notifier.alert_changed("updated", alert_dict(alert, names.get(alert.region_code or "")))


def _window_minutes(kind: Kind, config: AnalyticsConfig) -> int:
    policy = config.policy
    if kind is Kind.SURGE:
        return policy.surge_window_minutes
    days = policy.repeat_window_days if kind is Kind.REPEAT_CALLER else policy.collective_window_days
    return days * 24 * 60


# --- the list and acknowledgement ------------------------------------------------------------------

async def list_alerts(session: AsyncSession, scope: Scope, *, open_only: bool, kind: str | None,
                      start: datetime | None, end: datetime | None, limit: int) -> list[dict[str, Any]]:
    """Alerts in scope, newest first."""
    query = select(AnalyticsAlert).order_by(AnalyticsAlert.raised_at.desc(), AnalyticsAlert.id.desc())
    if not scope.everything:
        query = query.where(scope.region_clause(AnalyticsAlert.region_code))
    if open_only:
        query = query.where(AnalyticsAlert.cleared_at.is_(None))
    if kind:
        query = query.where(AnalyticsAlert.kind == kind)
    if start is not None:
        query = query.where(AnalyticsAlert.raised_at >= start)
    if end is not None:
        query = query.where(AnalyticsAlert.raised_at < end)
    alerts = list((await session.scalars(query.limit(limit))).all())
    names = await repository.region_names(session, [a.region_code for a in alerts if a.region_code])
    return [alert_dict(a, names.get(a.region_code or "")) for a in alerts]


async def acknowledge(uow: UnitOfWork, alert: AnalyticsAlert, *, user_id: int, username: str, note: str,
                      now: datetime) -> dict[str, Any]:
    """A supervisor records what was done about the alert."""
    alert.acknowledged_at, alert.acknowledged_by_id, alert.acknowledgement = now, user_id, note
    await uow.session.flush()
    await record(uow.session, action="analytics.alert_acknowledged", actor_id=user_id, actor_username=username,
                 resource_type="analytics_alert", resource_id=alert.id, detail={"note": note})
    names = await repository.region_names(uow.session, [alert.region_code] if alert.region_code else [])
    data = alert_dict(alert, names.get(alert.region_code or ""))
    AnalyticsNotifier(uow).alert_changed("acknowledged", data)
    return data
