"""An agent's own figures for today (Asia/Shanghai day): calls answered, tickets, direct answers."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import BUSINESS_TZ, utcnow
from desktop.schemas import TodayOut
from models import Call, Ticket
from workorders.state_machine import Status


def day_start(now: datetime) -> datetime:
    """Midnight of now's business day, as an aware datetime."""
    local = now.astimezone(BUSINESS_TZ)
    return datetime.combine(local.date(), time.min, tzinfo=BUSINESS_TZ)


async def today_counts(session: AsyncSession, *, user_id: int, now: datetime | None = None) -> TodayOut:
    """Counts since local midnight of what this agent did."""
    start = day_start(now or utcnow())
    calls = (await session.execute(
        select(Call.answered_at, Call.ended_at).where(Call.agent_id == user_id, Call.answered_at >= start))).all()
    talk = sum((ended - answered).total_seconds() for answered, ended in calls if ended)
    by_status = dict((await session.execute(
        select(Ticket.status, func.count()).where(Ticket.created_by_id == user_id, Ticket.created_at >= start)
        .group_by(Ticket.status))).all())
    answers = by_status.pop(Status.DIRECT_ANSWERED.value, 0)
    dispositions = by_status.pop(Status.OUT_OF_SCOPE.value, 0)
    return TodayOut(since=start, answered=len(calls), talk_seconds=round(talk), tickets=sum(by_status.values()),
                    direct_answers=answers, dispositions=dispositions)
