"""Reports API (R-34, R-12, R-27): period reports as JSON or xlsx, scorecards and their weights."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from access.permissions import Permission
from access.principal import Principal
from core.errors import Unprocessable
from core.timeutil import utcnow
from reports import scorecards, service, weights
from reports.periods import BadPeriod, Kind, resolve
from reports.scoring import BadWeights
from reports.xlsx import workbook
from stats.config import StatsConfig
from web.deps import ResourcesDep, SessionDep, require, require_province_wide

router = APIRouter(prefix="/reports", tags=["reports"])
scorecard_router = APIRouter(prefix="/analytics", tags=["reports"])
Reader = Annotated[Principal, Depends(require(Permission.STATS_READ))]
Publisher = Annotated[Principal, Depends(require_province_wide(Permission.POLICY_WRITE))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DateQ = Annotated[str | None, Query(alias="date", max_length=10, description="YYYY-MM-DD: the period containing it")]
MonthQ = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]
QuarterQ = Annotated[str | None, Query(max_length=7, description="YYYY-Qn")]
YearQ = Annotated[str | None, Query(max_length=4, description="YYYY")]
FormatQ = Annotated[Literal["json", "xlsx"], Query(alias="format")]


def _period(kind: Kind, config: StatsConfig, **given: str | None):
    try:
        return resolve(kind, tz=config.tz, today=utcnow().astimezone(config.tz).date(), **given)
    except BadPeriod as exc:
        raise Unprocessable(str(exc)) from exc


@router.get("/{kind}", responses={200: {"content": {XLSX: {}}, "description": "the report (JSON or xlsx)"}})
async def period_report(kind: Kind, session: SessionDep, resources: ResourcesDep, principal: Reader,
                        date_: DateQ = None, month: MonthQ = None, quarter: QuarterQ = None, year: YearQ = None,
                        fmt: FormatQ = "json") -> Any:
    """日报/周报/月报/季报/年报: requests by channel, category, region, domain (涉企 apart), answer rate and
    service level, direct answers, on-time rates per step and unit, returns and extensions,
    satisfaction (screened-out results left out), hot topics, alerts and typical cases."""
    config = StatsConfig.from_settings(resources.settings)
    period = _period(kind, config, date_=date_, month=month, quarter=quarter, year=year)
    report = await service.report(session, period, principal.scope, now=utcnow(), stats_config=config)
    if fmt == "xlsx":
        name = f"report-{kind.value}-{period.first.isoformat()}.xlsx"
        return Response(workbook(report), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report


@scorecard_router.get("/scorecards")
async def get_scorecards(session: SessionDep, resources: ResourcesDep, principal: Reader,
                         period: Annotated[str | None, Query(max_length=7, description="YYYY-MM (default: last month)")] = None) -> dict[str, Any]:
    """Scorecards of city centres, sub-centres and handling units for a month: rates, score (versioned
    weights), rank and month-over-month change."""
    config = StatsConfig.from_settings(resources.settings)
    month = _period(Kind.MONTHLY, config, month=period)
    return await scorecards.scorecards(session, month, principal.scope, now=utcnow(), config=config)


class WeightsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")
    weights: dict[str, float] = Field(description="metric → weight (metrics: see GET …/scorecard-weights)")
    note: str | None = Field(default=None, max_length=500)


@scorecard_router.get("/scorecard-weights")
async def list_weights(session: SessionDep, _: Reader) -> dict[str, Any]:
    """Every published version of the scorecard weights, newest first (one active)."""
    return {"metrics": list(scorecards.scoring.METRICS), "metric_names": scorecards.scoring.METRIC_NAMES,
            "versions": [weights.as_dict(w) for w in await weights.versions(session)]}


@scorecard_router.post("/scorecard-weights", status_code=201)
async def publish_weights(body: WeightsIn, session: SessionDep, principal: Publisher) -> dict[str, Any]:
    """Publish a new version of the weights (province centre only); earlier scorecards are not rewritten."""
    try:
        row = await weights.publish(session, version=body.version, weights=body.weights, note=body.note,
                                    username=principal.username, user_id=principal.user_id, now=utcnow())
    except BadWeights as exc:
        raise Unprocessable(str(exc)) from exc
    return weights.as_dict(row)


