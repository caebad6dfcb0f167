"""Stats API: answer rate (接通率) and service level, per-segment reports, the wallboard snapshot,
alarm (supervision) records and the staffing plan (R-05, R-24, R-27, R-34)."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from access.permissions import Permission
from access.principal import Principal
from acd.store import AcdStore
from core.errors import NotFound, Unprocessable
from core.timeutil import utcnow
from core.types import Moment
from events.bus import EventBus
from models import AnswerRateAlarm
from stats import alarm_service, service
from stats.config import StatsConfig
from stats.events import StatsNotifier
from stats.figures import windows
from stats.schemas import (
    AcknowledgeIn,
    AlarmOut,
    AnswerRateOut,
    QueueName,
    SegmentReportOut,
    StaffingIn,
    StaffingOut,
    WindowName,
)
from stats.staffing import TooMuchWork
from web.deps import IdPath, ResourcesDep, SessionDep, UnitOfWorkDep, require

router = APIRouter(prefix="/stats", tags=["stats"])
Reader = Annotated[Principal, Depends(require(Permission.STATS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.ACD_MANAGE))]
From = Annotated[Moment | None, Query(alias="from", description="start, ISO 8601 with offset (inclusive)")]
To = Annotated[Moment | None, Query(alias="to", description="end, ISO 8601 with offset (exclusive)")]
Window = Annotated[WindowName | None, Query(description="instead of from/to: 15m, 1h or today")]
MAX_RANGE = timedelta(days=366)
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _config(resources) -> StatsConfig:
    return StatsConfig.from_settings(resources.settings)


def time_range(start: datetime | None, end: datetime | None, window: str | None, *, now: datetime,
               config: StatsConfig) -> tuple[datetime, datetime]:
    """The [start, end) asked for: a rolling window, or from/to (aware, ordered, at most 366 days)."""
    if window is not None:
        if start is not None or end is not None:
            raise Unprocessable("请给出 window 或 from/to 之一 (give either window or from/to)")
        return windows(now, config.tz)[window]
    if start is None or end is None:
        raise Unprocessable("缺少 from/to (from and to are required unless window is given)")
    if start > end:
        raise Unprocessable("from 晚于 to (from is after to)")
    if end - start > MAX_RANGE or start < EARLIEST or end > LATEST:
        raise Unprocessable("时间范围过大 (range longer than 366 days or outside 2000–2100)")
    return start, end


@router.get("/answer-rate", response_model=AnswerRateOut, response_model_by_alias=True)
async def answer_rate(session: SessionDep, resources: ResourcesDep, _: Reader, start: From = None, end: To = None,
                      window: Window = None, queue: Annotated[QueueName | None, Query()] = None) -> dict[str, Any]:
    """Offered, answered, abandoned, 接通率 and 15-s service level of calls that entered a queue in [from, to)."""
    config, now = _config(resources), utcnow()
    start, end = time_range(start, end, window, now=now, config=config)
    figures = await service.answer_rate(session, start=start, end=end, now=now, queue=queue, config=config)
    rate = figures.answer_rate
    return {**figures.as_dict(), "start": start, "end": end, "queue": queue, "target": config.target,
            "meets_target": None if rate is None else rate >= config.target}


@router.get("/segments", response_model=SegmentReportOut, response_model_by_alias=True)
async def segments(session: SessionDep, resources: ResourcesDep, principal: Reader, start: From = None,
                   end: To = None, window: Window = None) -> dict[str, Any]:
    """Figures per queue, expert-seat group, sub-centre and agent (service capability assessment, R-27);
    per-agent rows only for `stats:seats`, cut to the viewer's region."""
    config, now = _config(resources), utcnow()
    start, end = time_range(start, end, window, now=now, config=config)
    rows, agents = await service.segment_report(session, start=start, end=end, now=now, config=config)
    return {"start": start, "end": end, "target": config.target,
            "segments": [{"id": s.id, "kind": s.kind.value, "key": s.key, "name": name, "figures": f.as_dict()}
                         for s, name, f in rows],
            "agents": service.visible_seats(principal, agents)}


@router.get("/wallboard")
async def wallboard(session: SessionDep, resources: ResourcesDep, principal: Reader) -> dict[str, Any]:
    """The wallboard's full state: figures per segment, callers waiting, agents, open alarms, today's chart;
    the agents (seat states and reasons) only for `stats:seats`, cut to the viewer's region."""
    config = _config(resources)
    snapshot = await service.wallboard_snapshot(session, AcdStore(resources.redis), now=utcnow(), config=config)
    return {**snapshot, "agents": service.visible_seats(principal, snapshot["agents"])}


@router.get("/alarms", response_model=list[AlarmOut])
async def alarms(session: SessionDep, _: Reader, open_only: Annotated[bool, Query(alias="open")] = False,
                 since: Annotated[Moment | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AnswerRateAlarm]:
    """Answer-rate alarm records (the R-24 supervision list), newest first."""
    return await alarm_service.list_alarms(session, open_only=open_only, since=since, limit=limit)


@router.post("/alarms/evaluate", response_model=list[AlarmOut])
async def evaluate(session: SessionDep, uow: UnitOfWorkDep, resources: ResourcesDep,
                   _: Manager) -> list[AnswerRateAlarm]:
    """Evaluate the alarms now (the worker does this on every call event and periodically)."""
    changes = await alarm_service.evaluate_alarms(session, now=utcnow(), config=_config(resources))
    await session.flush()
    notifier = StatsNotifier(EventBus.for_resources(resources))
    uow.after_commit(lambda: alarm_service.publish_changes(notifier, changes))
    return [change.alarm for change in changes]


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmOut)
async def acknowledge(alarm_id: IdPath, body: AcknowledgeIn, session: SessionDep, principal: Manager) -> AnswerRateAlarm:
    """Record what a supervisor did about an alarm (督促措施)."""
    alarm = await session.get(AnswerRateAlarm, alarm_id)
    if alarm is None:
        raise NotFound("告警不存在 (no such alarm)")
    alarm = await alarm_service.acknowledge(session, alarm=alarm, user_id=principal.user_id,
                                            username=principal.username, note=body.note, now=utcnow())
    await session.flush()
    return alarm


async def _staffing_table(calls: list[float], **assumptions: Any) -> dict[str, Any]:
    """The plan, computed off the event loop (CPU-bound) within the work bound: 422 past it."""
    try:
        return await asyncio.to_thread(service.staffing_table, calls, **assumptions)
    except TooMuchWork as exc:
        raise Unprocessable(
            "排班计算量超出上限，请减少时段数、每时段来电量、处理时长或耐心时长，或不设服务水平目标 "
            f"(the staffing plan exceeds the work bound: {exc}; use fewer intervals, fewer calls per "
            "interval, a shorter handle time or patience, or no service-level target)",
            code="staffing_too_large") from None


@router.post("/staffing", response_model=StaffingOut)
async def staffing_for_forecast(body: StaffingIn, resources: ResourcesDep, _: Reader) -> dict[str, Any]:
    """Agents needed per interval for a given forecast (Erlang A: answer rate ≥ target, optional 15-s level)."""
    config = _config(resources)
    hours, minutes = map(int, body.start.split(":"))
    patience = body.patience_seconds or config.patience_seconds
    table = await _staffing_table(body.calls, start_minutes=hours * 60 + minutes,
                                  interval_minutes=body.interval_minutes, handle_seconds=body.handle_seconds,
                                  patience_seconds=patience, target=body.target_answer_rate,
                                  service_level_target=body.service_level_target,
                                  service_level_seconds=config.figures.service_level_seconds)
    return {**table, "interval_minutes": body.interval_minutes, "handle_seconds": body.handle_seconds,
            "patience_seconds": patience, "target_answer_rate": body.target_answer_rate,
            "service_level_target": body.service_level_target, "forecast_source": "request"}


@router.get("/staffing", response_model=StaffingOut)
async def staffing_from_history(
    session: SessionDep, resources: ResourcesDep, _: Reader,
    day: Annotated[date, Query(alias="date", description="the day to staff (business time zone)")],
    weeks: Annotated[int, Query(ge=1, le=12, description="same weekday of this many previous weeks")] = 4,
    handle_seconds: Annotated[float | None, Query(gt=0, le=7200, description="default: history's AHT")] = None,
    patience_seconds: Annotated[float | None, Query(gt=0, le=3600)] = None,
    target: Annotated[float, Query(ge=0, le=1)] = 0.95,
    service_level_target: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> dict[str, Any]:
    """Agents needed per half hour of `date`, the forecast being the same weekday of previous weeks."""
    if not date(2000, 1, 1) <= day <= date(2100, 1, 1):
        raise Unprocessable("日期超出范围 (date outside 2000–2100)")
    config = _config(resources)
    calls, history_aht = await service.forecast_from_history(session, day=day, weeks=weeks, now=utcnow(), config=config)
    handle = handle_seconds or history_aht or 240.0
    patience = patience_seconds or config.patience_seconds
    table = await _staffing_table(calls, start_minutes=0, interval_minutes=30,
                                  handle_seconds=handle, patience_seconds=patience, target=target,
                                  service_level_target=service_level_target,
                                  service_level_seconds=config.figures.service_level_seconds)
    return {**table, "date": day.isoformat(), "interval_minutes": 30, "handle_seconds": round(handle, 2),
            "patience_seconds": patience, "target_answer_rate": target, "service_level_target": service_level_target,
            "forecast_source": "history"}
