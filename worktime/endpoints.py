"""Working-time calendar and time-limit policy API (administrators change them without code changes)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.errors import Unprocessable
from core.types import Moment
from web.deps import PrincipalDep, ResourcesDep, SessionDep, UnitOfWorkDep, require, require_province_wide
from worktime import known_years, service
from worktime.schemas import DayIn, DayOut, DeadlineOut, PolicyIn, PolicyOut, YearOut

calendar_router = APIRouter(prefix="/calendar", tags=["calendar"])
policy_router = APIRouter(prefix="/policies", tags=["time-limit policy"])
CalendarReader = Annotated[Principal, Depends(require(Permission.CALENDAR_READ))]
# the calendar and the policy time every ticket in the province: a region's staff may not change them
CalendarWriter = Annotated[Principal, Depends(require_province_wide(Permission.CALENDAR_WRITE))]
PolicyWriter = Annotated[Principal, Depends(require_province_wide(Permission.POLICY_WRITE))]
PolicyReader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
MAX_WORKING_DAYS = 250
MAX_WORKING_HOURS = 2_000
MAX_HOURS = 24 * 366


def _check_year(year: int) -> None:
    first, last = service.year_range()
    if not first <= year <= last:
        raise Unprocessable(f"年份须在 {first}–{last} 之间 (year outside the calendar's range)")


@calendar_router.put("/days/{day}", response_model=DayOut)
async def set_day(
    day: Annotated[date, Path(description="YYYY-MM-DD")], body: DayIn, session: SessionDep,
    resources: ResourcesDep, principal: CalendarWriter, uow: UnitOfWorkDep,
) -> DayOut:
    """Set or correct one date's kind; wins over seeded data; every process's cached calendar is refreshed."""
    _check_year(day.year)
    row = await service.set_day(session, day=day, kind=body.kind, note=body.note, actor=principal.username)
    await record(session, action="calendar_day_set", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="calendar_day", resource_id=day.isoformat(), detail={"kind": body.kind, "note": body.note})
    uow.after_commit(lambda: service.bump_calendar_token(resources.redis))
    return DayOut(date=row.day, kind=row.kind, source=row.source, note=row.note, updated_by=row.updated_by)


@calendar_router.get("/days", response_model=YearOut)
async def list_days(session: SessionDep, _: CalendarReader, year: int = Query(ge=1, le=9999)) -> YearOut:
    """The year's non-default days (weekday holidays, weekend make-up workdays) and their source."""
    _check_year(year)
    days = await service.days_of_year(session, year)
    return YearOut(year=year, published=year in known_years(), days=[DayOut(**d) for d in days])


@calendar_router.get("/deadline", response_model=DeadlineOut)
async def deadline(
    session: SessionDep, resources: ResourcesDep, _: PrincipalDep, start: Moment,
    working_days: int | None = Query(default=None, ge=0, le=MAX_WORKING_DAYS),
    working_hours: float | None = Query(default=None, ge=0, le=MAX_WORKING_HOURS, allow_inf_nan=False),
    hours: float | None = Query(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False),
) -> DeadlineOut:
    """Due time after N working days, N working hours or N calendar hours from start (exactly one)."""
    given = [v for v in (working_days, working_hours, hours) if v is not None]
    if len(given) != 1:
        raise Unprocessable("须且只能给出 working_days、working_hours、hours 之一 (give exactly one amount)")
    calendar = await service.get_calendar(session, resources.redis, resources.settings)
    try:
        if working_days is not None:
            result = calendar.add_working_days(start, working_days)
        elif working_hours is not None:
            result = calendar.add_working_hours(start, working_hours)
        else:
            result = calendar.add_calendar_hours(start, hours)
    except (ValueError, OverflowError) as error:  # outside the calendar's years
        raise Unprocessable(f"无法计算期限 (cannot compute the deadline): {error}") from None
    return DeadlineOut(due_at=service.as_business_iso(result.due_at), calendar_provisional=result.provisional)


@policy_router.get("", response_model=list[PolicyOut])
async def list_policies(session: SessionDep, _: PolicyReader) -> list:
    """Every published version, oldest first."""
    return await service.list_versions(session)


@policy_router.get("/active", response_model=PolicyOut)
async def active_policy(session: SessionDep, _: PolicyReader) -> object:
    """The version new tickets are timed under."""
    return await service.active_version(session)


@policy_router.post("", response_model=PolicyOut, status_code=201)
async def publish_policy(body: PolicyIn, session: SessionDep, resources: ResourcesDep,
                         principal: PolicyWriter, uow: UnitOfWorkDep) -> object:
    """Publish a new version (a whole policy; its `version` must be new); existing tickets keep theirs."""
    row = await service.publish(session, body=body.policy, note=body.note, actor=principal.username,
                                       activate=body.activate)
    await record(session, action="policy_published", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="time_limit_policy", resource_id=row.version,
                 detail={"active": row.active, "note": body.note})
    uow.after_commit(lambda: service.bump_policy_token(resources.redis))
    return row


@policy_router.post("/{version}/activate", response_model=PolicyOut)
async def activate_policy(
    version: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")], session: SessionDep, resources: ResourcesDep,
    principal: PolicyWriter, uow: UnitOfWorkDep,
) -> object:
    """Make an already published version the active one (e.g. to roll back)."""
    row = await service.activate(session, version=version)
    await record(session, action="policy_activated", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="time_limit_policy", resource_id=row.version)
    uow.after_commit(lambda: service.bump_policy_token(resources.redis))
    return row
