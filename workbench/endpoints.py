"""Working time left on deadlines, for the workbench's countdowns.

Limits are counted in working time (the calendar's workdays and working periods), so the
time left cannot be a subtraction in the browser: the page asks here for every deadline it
shows, then counts down by itself only while `working_now` holds, and asks again each minute.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from core.errors import Unprocessable
from core.timeutil import business_time, utcnow
from core.types import Moment
from web.deps import PrincipalDep, ResourcesDep, SessionDep
from worktime.service import get_calendar

router = APIRouter(prefix="/workbench", tags=["workbench"])
MAX_DEADLINES = 300  # a page of 50 tickets with six deadlines each
DueTimes = Annotated[list[Moment], Query(max_length=MAX_DEADLINES)]


@router.get("/time-left")
async def time_left(session: SessionDep, resources: ResourcesDep, _: PrincipalDep,
                    due_at: DueTimes = ()) -> dict:
    """For each due time: the working seconds left until it (negative: overdue by that much working time)."""
    calendar = await get_calendar(session, resources.redis, resources.settings)
    now = utcnow()
    try:
        working_now = calendar.working_time_between(now, now + timedelta(seconds=1)) > timedelta(0)
        items = [{"due_at": business_time(due), "seconds_left": int(calendar.working_time_between(now, due)
                                                                     .total_seconds())} for due in due_at]
    except (ValueError, OverflowError) as error:  # a time outside the calendar's years
        raise Unprocessable(f"无法计算剩余工作时间 (cannot count working time): {error}") from None
    return {"now": business_time(now), "working_now": working_now,
            "working_day_seconds": int(calendar.working_day_length.total_seconds()), "items": items}
