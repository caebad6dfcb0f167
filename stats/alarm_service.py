"""Applying the alarm state machine: raise once, clear once, across any number of processes (R-24, R-34).

The database decides: an alarm is raised by inserting the segment's open row (a partial unique
index allows one open alarm per segment) and cleared by a conditional UPDATE of that row. A
process publishes `alarm.raised` / `alarm.cleared` only for the rows it changed itself, and only
after its transaction commits — so however many evaluators run, each transition is announced once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit.service import record
from models import AnswerRateAlarm
from stats import repository
from stats.alarms import Verdict, clear_message, judge, raise_message
from stats.config import SegmentNames, StatsConfig, segment_names
from stats.events import ALARM_EVENTS, StatsNotifier
from stats.figures import ALARM_KINDS, Figures, Segment, SegmentCatalog, SegmentKind, roll_up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlarmChange:
    event: str  # alarm.raised | alarm.cleared
    alarm: AnswerRateAlarm


def alarm_dict(alarm: AnswerRateAlarm) -> dict[str, Any]:
    """The alarm as REST and the bus show it."""
    return {
        "id": alarm.id, "segment": f"{alarm.segment_kind}:{alarm.segment_key}", "segment_kind": alarm.segment_kind,
        "segment_key": alarm.segment_key, "segment_name": alarm.segment_name, "org_unit_id": alarm.org_unit_id,
        "window_minutes": alarm.window_minutes, "threshold": alarm.threshold, "min_offered": alarm.min_offered,
        "raised_at": alarm.raised_at.isoformat(), "offered": alarm.offered, "answered": alarm.answered,
        "answer_rate": alarm.answer_rate, "notice": alarm.notice,
        "cleared_at": alarm.cleared_at.isoformat() if alarm.cleared_at else None,
        "cleared_offered": alarm.cleared_offered, "cleared_answered": alarm.cleared_answered,
        "cleared_answer_rate": alarm.cleared_answer_rate,
        "acknowledged_at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None,
        "acknowledged_by_id": alarm.acknowledged_by_id, "acknowledgement": alarm.acknowledgement,
    }


def alarm_segments(figures: dict[Segment, Figures], catalog: SegmentCatalog) -> dict[Segment, Figures]:
    """The segments alarms watch: expert-seat groups, sub-centres, and queues that belong to neither
    (an expert queue's shortfall is its group's alarm — one shortfall, one alarm)."""
    watched = {}
    for segment, value in figures.items():
        if segment.kind not in ALARM_KINDS:
            continue
        grouped = catalog.expert_group(segment.key) or segment.key in catalog.sub_centre_of_queue
        if segment.kind is SegmentKind.QUEUE and grouped:
            continue
        watched[segment] = value
    return watched


async def open_alarms(session: AsyncSession) -> list[AnswerRateAlarm]:
    """Alarms not yet cleared, oldest first."""
    query = select(AnswerRateAlarm).where(AnswerRateAlarm.cleared_at.is_(None)).order_by(AnswerRateAlarm.id)
    return list((await session.scalars(query)).all())


async def window_figures(session: AsyncSession, *, now: datetime, config: StatsConfig) -> dict[Segment, Figures]:
    """Figures of the alarm window (the last `window_minutes`) per watched segment."""
    start = now - timedelta(minutes=config.alarms.window_minutes)
    by_queue = await repository.figures_by_queue(session, start=start, end=now, now=now, policy=config.figures)
    return alarm_segments(roll_up(by_queue, config.catalog), config.catalog)


async def evaluate_alarms(session: AsyncSession, *, now: datetime, config: StatsConfig) -> list[AlarmChange]:
    """Raise and clear alarms for the current window; returns what THIS call changed (commit, then publish)."""
    figures = await window_figures(session, now=now, config=config)
    current = {Segment(SegmentKind(a.segment_kind), a.segment_key): a for a in await open_alarms(session)}
    names = await segment_names(session, config.catalog)
    changes = []
    for segment in sorted(set(figures) | set(current)):
        value = figures.get(segment, Figures())
        verdict = judge(alarming=segment in current, figures=value, policy=config.alarms)
        if verdict is Verdict.RAISE:
            change = await _raise(session, segment, value, now=now, config=config, names=names)
        elif verdict is Verdict.CLEAR:
            change = await _clear(session, current[segment], value, now=now, config=config, names=names)
        else:
            change = None
        if change:
            changes.append(change)
    return changes


async def _raise(session: AsyncSession, segment: Segment, figures: Figures, *, now: datetime, config: StatsConfig,
                 names: SegmentNames) -> AlarmChange | None:
    name = names.name(segment)
    alarm = AnswerRateAlarm(
        segment_kind=segment.kind.value, segment_key=segment.key, segment_name=name[:128],
        org_unit_id=names.org_unit_id(segment), window_minutes=config.alarms.window_minutes,
        threshold=config.alarms.threshold, min_offered=config.alarms.min_offered, raised_at=now,
        offered=figures.offered, answered=figures.answered, answer_rate=figures.answer_rate or 0.0,
        notice=raise_message(segment, name, figures, config.alarms)[:500])
    try:
        async with session.begin_nested():
            session.add(alarm)
            await session.flush()
    except IntegrityError:  # another evaluator raised it first: its event, not ours
        log.info("alarm already raised elsewhere", extra={"segment": segment.id})
        return None
    await record(session, action="stats.alarm_raised", actor_id=None, actor_username=None,
                 resource_type="answer_rate_alarm", resource_id=alarm.id,
                 detail={"segment": segment.id, "offered": figures.offered, "answered": figures.answered})
    log.warning("answer-rate alarm raised", extra={"segment": segment.id, "alarm_id": alarm.id,
                                                   "answer_rate": figures.answer_rate, "offered": figures.offered})
    return AlarmChange("alarm.raised", alarm)


async def _clear(session: AsyncSession, alarm: AnswerRateAlarm, figures: Figures, *, now: datetime,
                 config: StatsConfig, names: SegmentNames) -> AlarmChange | None:
    result = await session.execute(
        update(AnswerRateAlarm).where(AnswerRateAlarm.id == alarm.id, AnswerRateAlarm.cleared_at.is_(None))
        .values(cleared_at=now, cleared_offered=figures.offered, cleared_answered=figures.answered,
                cleared_answer_rate=figures.answer_rate).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # cleared by another evaluator
        return None
    await session.refresh(alarm)
    segment = Segment(SegmentKind(alarm.segment_kind), alarm.segment_key)
    await record(session, action="stats.alarm_cleared", actor_id=None, actor_username=None,
                 resource_type="answer_rate_alarm", resource_id=alarm.id,
                 detail={"segment": segment.id, "offered": figures.offered, "answered": figures.answered,
                         "message": clear_message(segment, alarm.segment_name, figures, config.alarms)})
    log.info("answer-rate alarm cleared", extra={"segment": segment.id, "alarm_id": alarm.id})
    return AlarmChange("alarm.cleared", alarm)


async def publish_changes(notifier: StatsNotifier, changes: list[AlarmChange]) -> None:
    """Announce committed transitions to supervisors' desktops and every wallboard."""
    for change in changes:
        await notifier.alarm_changed(ALARM_EVENTS[change.event].model_validate(alarm_dict(change.alarm)))


async def list_alarms(session: AsyncSession, *, open_only: bool, since: datetime | None,
                      limit: int) -> list[AnswerRateAlarm]:
    """Alarm records, newest first (the R-24 supervision list)."""
    query = select(AnswerRateAlarm).order_by(AnswerRateAlarm.raised_at.desc(), AnswerRateAlarm.id.desc())
    if open_only:
        query = query.where(AnswerRateAlarm.cleared_at.is_(None))
    if since is not None:
        query = query.where(AnswerRateAlarm.raised_at >= since)
    return list((await session.scalars(query.limit(limit))).all())


async def acknowledge(session: AsyncSession, *, alarm: AnswerRateAlarm, user_id: int, username: str, note: str,
                      now: datetime) -> AnswerRateAlarm:
    """A supervisor records what was done about the alarm (督促措施)."""
    alarm.acknowledged_at, alarm.acknowledged_by_id, alarm.acknowledgement = now, user_id, note
    await session.flush()
    await record(session, action="stats.alarm_acknowledged", actor_id=user_id, actor_username=username,
                 resource_type="answer_rate_alarm", resource_id=alarm.id, detail={"note": note})
    return alarm
