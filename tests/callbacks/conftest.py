"""The callback tests that talk to the real Asterisk commit their tickets (the ARI workers read
committed rows) into the run's shared database; `forget` deletes them again after the test, so
other tests' counts (a unit's findings, its inbox) never see them."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    CallbackSurvey,
    CallbackTask,
    Notification,
    OutboxEvent,
    SupervisionRead,
    SupervisionRecord,
    Ticket,
    TicketAssignment,
    TicketAttachment,
    TicketCaller,
    TicketEvent,
)


@dataclass
class Forget:
    tickets: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)


@pytest.fixture
async def forget(engine):
    marked = Forget()
    yield marked
    async with AsyncSession(engine) as session:
        ids = marked.tickets
        if marked.tasks:
            await session.execute(delete(CallbackTask).where(CallbackTask.id.in_(marked.tasks)))
        if ids:
            records = select(SupervisionRecord.id).where(SupervisionRecord.ticket_id.in_(ids))
            await session.execute(delete(SupervisionRead).where(SupervisionRead.record_id.in_(records)))
            for model in (CallbackTask, CallbackSurvey, SupervisionRecord, Notification, TicketAttachment, TicketEvent,
                          TicketCaller, TicketAssignment):
                await session.execute(delete(model).where(model.ticket_id.in_(ids)))
            await session.execute(delete(OutboxEvent).where(OutboxEvent.payload["ticket_id"].as_integer().in_(ids)))
            await session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        await session.commit()
