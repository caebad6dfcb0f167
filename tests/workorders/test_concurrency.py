"""Two units acting on one ticket at once end in one consistent state (SELECT … FOR UPDATE), real PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from access.authentication import principal_for
from core.errors import Conflict
from core.timeutil import utcnow
from models import (
    AuditEvent,
    OrgUnit,
    SupervisionRecord,
    Ticket,
    TicketAssignment,
    TicketCaller,
    TicketEvent,
    TicketSequence,
    User,
)
from tests.workorders.helpers import ticket_body
from workorders import actions, schemas, service
from workorders.state_machine import Action


async def _principal(session, username):
    return await principal_for(session, await session.scalar(select(User).where(User.username == username)))


async def _dispatched_ticket(maker, side_engine, redis, settings) -> int:
    async with maker() as session:
        agent = await _principal(session, "agent1003")
        body = schemas.TicketCreate(**ticket_body(region_code="510400", address="攀枝花市东区", content="并发测试工单"))
        ticket, _ = await service.create_ticket(session, redis, settings, side_engine=side_engine, principal=agent, body=body)
        zjj = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == "WH-ZJJ"))
        await actions.perform(session, redis, settings, principal=agent, ticket_id=ticket.id, action=Action.DISPATCH,
                              body=schemas.DispatchIn(lead_unit_id=zjj), now=utcnow())
        await session.commit()
        return ticket.id


async def _cleanup(maker, ticket_id: int) -> None:
    async with maker() as session:
        for model in (SupervisionRecord, TicketEvent, TicketCaller, TicketAssignment):
            await session.execute(delete(model).where(model.ticket_id == ticket_id))
        await session.execute(delete(Ticket).where(Ticket.id == ticket_id))
        await session.execute(delete(TicketSequence).where(TicketSequence.region == "5104"))
        await session.commit()


async def _act(maker, redis, settings, username, ticket_id, action, body, *, hold: asyncio.Event | None = None,
               locked: asyncio.Event | None = None):
    async with maker() as session:
        principal = await _principal(session, username)
        try:
            ticket = await actions.perform(session, redis, settings, principal=principal, ticket_id=ticket_id,
                                           action=action, body=body, now=utcnow())
            if locked:
                locked.set()
            if hold:
                await hold.wait()  # keep the row lock while the other unit tries
            await session.commit()
            return ticket.status
        except Conflict as error:
            await session.rollback()
            return error


async def _wait_for_lock_waiter(engine, timeout: float = 10.0) -> None:
    """Until some backend of this database waits on a lock (bounded; no fixed sleeps)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with engine.connect() as conn:
        while asyncio.get_running_loop().time() < deadline:
            waiting = await conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            await conn.rollback()
            if waiting:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the second unit never waited for the row lock")


async def test_two_units_signing_at_once_serialise(engine, side_engine, settings, redis, seeded):
    maker = async_sessionmaker(engine, expire_on_commit=False)
    ticket_id = await _dispatched_ticket(maker, side_engine, redis, settings)
    try:
        hold, locked = asyncio.Event(), asyncio.Event()
        signer = asyncio.create_task(_act(maker, redis, settings, "wh_zjj", ticket_id, Action.SIGN,
                                          schemas.PlainActionIn(), hold=hold, locked=locked))
        await asyncio.wait_for(locked.wait(), 10)
        second = asyncio.create_task(_act(maker, redis, settings, "wh_gov", ticket_id, Action.SIGN,
                                          schemas.PlainActionIn()))
        await _wait_for_lock_waiter(engine)  # the other unit blocks on the row lock …
        hold.set()  # … until the first one commits
        signed, refused = await asyncio.gather(signer, second)
        assert signed == "in_progress"
        assert isinstance(refused, Conflict) and refused.code == "illegal_transition"  # it saw the committed state
        async with maker() as session:
            ticket = await session.get(Ticket, ticket_id)
            assert ticket.status == "in_progress" and ticket.row_version == 3
            steps = (await session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
                                           .order_by(TicketEvent.id))).all()
            assert steps == ["create", "dispatch", "sign"]
            signers = (await session.scalars(select(TicketEvent.actor_username).where(
                TicketEvent.ticket_id == ticket_id, TicketEvent.action == "sign"))).all()
            assert signers == ["wh_zjj"]
    finally:
        await _cleanup(maker, ticket_id)


@pytest.mark.parametrize("repeat", range(3))
async def test_racing_units_without_orchestration(engine, side_engine, settings, redis, seeded, repeat):
    """Both fire at once with no choreography: exactly one wins, whichever it is."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    ticket_id = await _dispatched_ticket(maker, side_engine, redis, settings)
    async with maker() as session:  # ids are reused after cleanup; the audit log is append-only
        audit_before = len((await session.scalars(select(AuditEvent.id).where(
            AuditEvent.resource_id == str(ticket_id), AuditEvent.action == "ticket_sign"))).all())
    try:
        outcomes = await asyncio.gather(
            _act(maker, redis, settings, "wh_zjj", ticket_id, Action.SIGN, schemas.PlainActionIn()),
            _act(maker, redis, settings, "wh_gov", ticket_id, Action.SIGN, schemas.PlainActionIn()))
        winners = [o for o in outcomes if isinstance(o, str)]
        assert len(winners) == 1
        async with maker() as session:
            ticket = await session.get(Ticket, ticket_id)
            assert ticket.status == winners[0]
            steps = (await session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id))).all()
            assert len(steps) == 3
            audits = (await session.scalars(select(AuditEvent.action).where(
                AuditEvent.resource_type == "ticket", AuditEvent.resource_id == str(ticket_id),
                AuditEvent.action == "ticket_sign"))).all()
            assert len(audits) == 1 + audit_before
    finally:
        await _cleanup(maker, ticket_id)
