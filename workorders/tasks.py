"""Scheduled supervision (R-17, R-24): flag overdue tickets, record reminders, auto-close unevaluated ones.

One pass is a function of the database and the clock only: a restart loses nothing, and
two schedulers may run at once — each claims tickets with SELECT … FOR UPDATE SKIP LOCKED
and findings are unique per (ticket, kind, due time). Each job of a pass is one unit of work
(its ticket events — ticket.overdue, ticket.reminder, ticket.closed — are published after its
commit); the scheduler (cli.scheduler) ends every pass by relaying outbox events a crash left unpublished.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from core.timeutil import business_time, utcnow
from events.bus import EventBus
from events.unit_of_work import UnitOfWork
from models import Ticket
from workorders import actions, deadlines
from workorders.events import TicketNotifier
from workorders.service import add_event, refresh_overdue
from workorders.state_machine import Action, Side, Status
from worktime.service import get_calendar, policy_by_version

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class PassReport:
    flagged: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, finding kind)
    auto_closed: list[int] = field(default_factory=list)


def _claim(query, session: AsyncSession):
    """Lock the selected rows; on PostgreSQL skip rows another scheduler holds."""
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


async def flag_overdue(session: AsyncSession, *, now: datetime, report: PassReport,
                       notifier: TicketNotifier | None = None) -> None:
    """Record every binding deadline that passed since the last pass, with a reminder to the unit."""
    query = _claim(select(Ticket).where(Ticket.next_due_at.is_not(None), Ticket.next_due_at <= now)
                   .order_by(Ticket.next_due_at).limit(BATCH), session)
    for ticket in (await session.scalars(query.execution_options(populate_existing=True))).all():
        values = {name: getattr(ticket, name) for name in deadlines.DEADLINE_FIELDS}
        state = refresh_overdue(ticket, now, flag_new=True)
        for name in state.newly_overdue:
            kind = deadlines.overdue_kind_name(name)
            unit_id = None if name == "dispatch_due_at" else ticket.lead_unit_id
            reminder = (f"工单 {ticket.number} 已超过{_label(name)}期限 "
                        f"{business_time(values[name]).strftime('%Y-%m-%d %H:%M')}，请尽快办理 (催办)")
            if await actions.record_finding(session, ticket_id=ticket.id, unit_id=unit_id, kind=kind,
                                            due_at=values[name], reminder=reminder):
                await add_event(session, ticket, action="overdue", side=Side.SYSTEM, actor=None,
                                from_status=ticket.status, to_status=ticket.status, note=reminder, unit_id=unit_id,
                                detail={"kind": kind, "due_at": values[name].isoformat()}, at=now)
                report.flagged.append((ticket.id, kind))
                if notifier is not None:
                    await notifier.ticket_overdue(ticket, unit_id=unit_id, kind=kind, due_at=values[name])
                    if unit_id is not None:  # the reminder (催办) goes to the unit that missed the deadline
                        await notifier.ticket_reminder(ticket, unit_id=unit_id, kind=kind, due_at=values[name])


def _label(name: str) -> str:
    return {"dispatch_due_at": "转办", "sign_due_at": "签收", "handle_due_at": "办理",
            "first_response_due_at": "初步响应", "progress_due_at": "进度反馈"}.get(name, name)


async def auto_close(session: AsyncSession, redis: Redis, settings: Settings, *, now: datetime,
                     report: PassReport, notifier: TicketNotifier | None = None) -> None:
    """R-17: tickets left without evaluation past their period are closed and archived."""
    query = _claim(select(Ticket).where(Ticket.status == Status.NO_EVALUATION.value,
                                        Ticket.auto_close_due_at <= now).limit(BATCH), session)
    tickets = (await session.scalars(query.execution_options(populate_existing=True))).all()
    if not tickets:
        return
    calendar = await get_calendar(session, redis, settings)
    for ticket in tickets:
        for action in (Action.AUTO_CLOSE, Action.ARCHIVE):
            step = actions.Step(session=session, principal=None, side=Side.SYSTEM, ticket=ticket,
                                policy=await policy_by_version(session, ticket.policy_version), calendar=calendar,
                                now=now, auto_close_working_days=settings.workorders.ticket_auto_close_working_days,
                                notifier=notifier)
            await actions.run(step, action, actions.schemas.PlainActionIn())
        report.auto_closed.append(ticket.id)


async def run_pass(sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, settings: Settings, *,
                   now: datetime | None = None) -> PassReport:
    """One supervision pass, one unit of work per job (the scheduler, cli.scheduler, runs it)."""
    now = now or utcnow()
    report = PassReport()
    bus = EventBus(redis, settings.redis.events_channel)
    async with UnitOfWork(sessionmaker(), bus) as uow:
        await flag_overdue(uow.session, now=now, report=report, notifier=TicketNotifier(uow))
    async with UnitOfWork(sessionmaker(), bus) as uow:
        await auto_close(uow.session, redis, settings, now=now, report=report, notifier=TicketNotifier(uow))
    if report.flagged or report.auto_closed:
        log.info("scheduler pass", extra={"flagged": len(report.flagged), "auto_closed": len(report.auto_closed)})
    return report
