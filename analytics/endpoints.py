"""Analytics API (R-24, R-34): hot topics and alerts (预警). Figures are region-scoped (R-31)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from access.permissions import Permission
from access.principal import Principal
from analytics import indexer, service
from analytics.config import AnalyticsConfig
from analytics.repository import TopicFilter
from analytics.rules import Kind
from analytics.schemas import AcknowledgeIn, AlertOut, AlertsOut, EvaluationOut, HotTopicsOut
from core.errors import Forbidden, NotFound, Unprocessable
from core.timeutil import utcnow
from core.types import Moment
from models import AnalyticsAlert
from web.deps import IdPath, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders.schemas import CategoryIn

router = APIRouter(prefix="/analytics", tags=["analytics"])
Reader = Annotated[Principal, Depends(require(Permission.STATS_READ))]
Supervisor = Annotated[Principal, Depends(require(Permission.ACD_MANAGE))]
From = Annotated[Moment | None, Query(alias="from", description="start, ISO 8601 with offset (inclusive)")]
To = Annotated[Moment | None, Query(alias="to", description="end, ISO 8601 with offset (exclusive)")]
MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=7)
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """[from, to): both given, or to = now and from = a week before; ordered, at most 366 days."""
    end = end or utcnow()
    start = start or end - DEFAULT_RANGE
    if start >= end:
        raise Unprocessable("from 须早于 to (from must be before to)")
    if end - start > MAX_RANGE or start < EARLIEST or end > LATEST:
        raise Unprocessable("时间范围过大 (range longer than 366 days or outside 2000–2100)")
    return start, end


@router.get("/hot-topics", response_model=HotTopicsOut)
async def hot_topics(session: SessionDep, uow: UnitOfWorkDep, resources: ResourcesDep, principal: Reader,
                     start: From = None, end: To = None,
                     region: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$")] = None,
                     category: Annotated[CategoryIn | None, Query()] = None,
                     enterprise_related: Annotated[bool | None, Query()] = None,
                     limit: Annotated[int, Query(ge=1, le=service.MAX_TOPICS)] = 20) -> dict[str, Any]:
    """Requests grouped by what they are about, largest first: label, keywords, count, counts per county
    (区县), change against the previous period of the same length, example tickets."""
    start, end = period(start, end)
    if region and not principal.scope.everything and not principal.scope.covers_region(region):
        raise Forbidden("无权查看该地区 (region outside your scope)")
    config = AnalyticsConfig.from_settings(resources.settings)
    # tickets created since the last evaluation get their topic now (bounded; idempotent)
    await indexer.index_pending(session, threshold=config.topic_threshold, since=start - (end - start))
    topics = await service.hot_topics(session, TopicFilter(start, end, region, category.value if category else None,
                                                           enterprise_related), principal.scope, limit=limit)
    return {"start": start.isoformat(), "end": end.isoformat(), "topics": topics}


@router.get("/alerts", response_model=AlertsOut)
async def alerts(session: SessionDep, principal: Reader, open_only: Annotated[bool, Query(alias="open")] = False,
                 kind: Annotated[Kind | None, Query()] = None, start: From = None, end: To = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Alerts (热点激增 surge, 重复来电 repeat caller, 群体诉求 collective) in the viewer's region, newest first."""
    if start and end and start >= end:
        raise Unprocessable("from 须早于 to (from must be before to)")
    return {"alerts": await service.list_alerts(session, principal.scope, open_only=open_only,
                                                kind=kind.value if kind else None, start=start, end=end, limit=limit)}


@router.post("/alerts/evaluate", response_model=EvaluationOut)
async def evaluate(uow: UnitOfWorkDep, resources: ResourcesDep, principal: Supervisor) -> dict[str, Any]:
    """Evaluate now (it also runs after ticket creations and on every scheduler pass)."""
    report = await service.evaluate(uow, now=utcnow(), config=AnalyticsConfig.from_settings(resources.settings))
    open_now = await service.list_alerts(uow.session, principal.scope, open_only=True, kind=None, start=None,
                                         end=None, limit=1000)
    return {"indexed": report.indexed, "raised": report.raised, "updated": report.updated,
            "cleared": report.cleared, "open": open_now}


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
async def acknowledge(alert_id: IdPath, body: AcknowledgeIn, uow: UnitOfWorkDep, principal: Supervisor) -> dict[str, Any]:
    """Record what was done about an alert (处置措施)."""
    alert = await uow.session.get(AnalyticsAlert, alert_id)
    if alert is None or not (principal.scope.everything or principal.scope.covers_region(alert.region_code)):
        raise NotFound("预警不存在 (no such alert)")
    return await service.acknowledge(uow, alert, user_id=principal.user_id, username=principal.username,
                                     note=body.note, now=utcnow())
