"""Call records in the database: the business facts of every call (the worker writes, the API reads)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from models import Call, CallEvent


async def add_event(session: AsyncSession, *, call_id: int, type: str, actor_id: int | None = None,
                    detail: dict[str, Any] | None = None, at: datetime | None = None) -> CallEvent:
    """Append one event to a call (flushed, committed by the caller)."""
    event = CallEvent(call_id=call_id, type=type, actor_id=actor_id, detail=detail or {}, at=at or utcnow())
    session.add(event)
    await session.flush()
    return event


def recent_calls(limit: int, *, before_id: int | None = None, caller_number: str | None = None,
                 agent_id: int | None = None) -> Select[tuple[Call]]:
    """Newest calls first."""
    query = select(Call).order_by(Call.id.desc()).limit(limit)
    if before_id:
        query = query.where(Call.id < before_id)
    if caller_number:
        query = query.where(Call.caller_number == caller_number)
    if agent_id:
        query = query.where(Call.agent_id == agent_id)
    return query


async def call_events(session: AsyncSession, call_id: int) -> list[CallEvent]:
    return list((await session.scalars(select(CallEvent).where(CallEvent.call_id == call_id)
                                       .order_by(CallEvent.id))).all())


class CallRecords:
    """The worker's writes: each method is one short unit of work (committed on return)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def create(self, **fields: Any) -> Call:
        async with UnitOfWork(self.sessionmaker()) as uow:
            call = Call(**fields)
            uow.session.add(call)
            await uow.session.flush()
            await add_event(uow.session, call_id=call.id, type="started", at=call.started_at,
                            detail={"caller_number": call.caller_number, "app": call.app})
        return call

    async def update(self, call_id: int, *, event: str | None = None, actor_id: int | None = None,
                     detail: dict[str, Any] | None = None, **fields: Any) -> None:
        """Set fields on the call and (optionally) append an event, in one transaction (plain
        UPDATE/INSERT statements: the worker writes several times per call)."""
        await self.update_many(call_id, [{**fields, "event": event, "actor_id": actor_id, "detail": detail}])

    async def update_many(self, call_id: int, writes: list[dict[str, Any]]) -> None:
        """Several update()s in order, as one transaction: the fields merged (a later write's
        value wins), the events appended in their order. A call's burst of writes (queued,
        offered, answered …) costs one commit instead of one each."""
        fields: dict[str, Any] = {}
        events = []
        for write in writes:
            write = dict(write)
            event, actor_id, detail = write.pop("event", None), write.pop("actor_id", None), write.pop("detail", None)
            fields.update(write)
            if event:
                events.append({"call_id": call_id, "type": event, "actor_id": actor_id, "detail": detail or {},
                               "at": utcnow()})
        async with UnitOfWork(self.sessionmaker()) as uow:
            if fields:
                await uow.session.execute(update(Call).where(Call.id == call_id).values(**fields))
            if events:
                await uow.session.execute(insert(CallEvent), events)

    async def close(self, call_id: int, *, detail: dict[str, Any], **fields: Any) -> Call:
        """The final write of a call (fields and the `ended` event), once; returns the row."""
        async with UnitOfWork(self.sessionmaker()) as uow:
            call = await uow.session.get(Call, call_id)
            if call is None:
                raise LookupError(call_id)
            if call.ended_at is not None:  # a retry after a commit whose answer was lost: done already
                return call
            for key, value in fields.items():
                setattr(call, key, value)
            await add_event(uow.session, call_id=call_id, type="ended", detail=detail)
        return call

    async def event(self, call_id: int, type: str, *, actor_id: int | None = None,
                    detail: dict[str, Any] | None = None) -> None:
        async with UnitOfWork(self.sessionmaker()) as uow:
            await add_event(uow.session, call_id=call_id, type=type, actor_id=actor_id, detail=detail)

    async def get(self, call_id: int) -> Call | None:
        async with self.sessionmaker() as session:
            return await session.get(Call, call_id)

    async def open_calls(self, app: str) -> list[Call]:
        """Calls of an application that have not ended (to re-sync after a restart)."""
        async with self.sessionmaker() as session:
            query = select(Call).where(Call.app == app, Call.ended_at.is_(None)).order_by(Call.id)
            return list((await session.scalars(query)).all())

    async def open_apps(self, node: str) -> set[str]:
        """Applications of a node that still have calls not ended (candidates for adoption)."""
        async with self.sessionmaker() as session:
            rows = await session.scalars(select(Call.app).where(Call.ended_at.is_(None), Call.node == node)
                                         .distinct())
            return set(rows.all())
