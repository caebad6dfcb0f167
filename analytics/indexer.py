"""Giving new tickets their topic (the I/O shell of analytics.topics): the tickets without one, oldest
first, in bounded batches, grouped against the topics of the last days. Idempotent (the ticket id is
the key: a second indexer's insert of the same ticket is skipped)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.topics import group
from models import Ticket, TicketTopic

BATCH = 2000  # tickets given a topic per call at most
RECENT_DAYS = 7  # the known topics: those of the tickets of this many days …
RECENT_TICKETS = 5000  # … at most this many of them (their keywords make the centroids and the IDF)


async def pending_count(session: AsyncSession, *, since: datetime | None = None) -> int:
    query = select(func.count()).select_from(Ticket).outerjoin(TicketTopic, TicketTopic.ticket_id == Ticket.id) \
        .where(TicketTopic.ticket_id.is_(None))
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    return int(await session.scalar(query) or 0)


async def _recent(session: AsyncSession, *, before: datetime) -> dict[str, list[list[str]]]:
    rows = await session.execute(
        select(TicketTopic.topic, TicketTopic.keywords)
        .where(TicketTopic.created_at >= before - timedelta(days=RECENT_DAYS), TicketTopic.created_at <= before)
        .order_by(TicketTopic.created_at.desc()).limit(RECENT_TICKETS))
    recent: dict[str, list[list[str]]] = defaultdict(list)
    for topic, keywords in rows:
        recent[topic].append(list(keywords or []))
    return recent


async def index_pending(session: AsyncSession, *, threshold: float, since: datetime | None = None,
                        limit: int = BATCH) -> int:
    """Give up to `limit` tickets without a topic theirs (flushes); returns how many were given one."""
    query = (select(Ticket.id, Ticket.content, Ticket.created_at, Ticket.region_code, Ticket.category,
                    Ticket.enterprise_related)
             .outerjoin(TicketTopic, TicketTopic.ticket_id == Ticket.id).where(TicketTopic.ticket_id.is_(None))
             .order_by(Ticket.created_at, Ticket.id).limit(limit))
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    rows = (await session.execute(query)).all()
    if not rows:
        return 0
    recent = await _recent(session, before=rows[-1].created_at)
    assignments = group([row.content or "" for row in rows], threshold=threshold, recent=recent)
    values = [{"ticket_id": row.id, "topic": a.topic, "keywords": list(a.keywords), "created_at": row.created_at,
               "region_code": row.region_code, "county_code": (row.region_code or "")[:6], "category": row.category,
               "enterprise_related": bool(row.enterprise_related)} for row, a in zip(rows, assignments, strict=True)]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(TicketTopic).values(values).on_conflict_do_nothing(index_elements=["ticket_id"]))
    return len(values)
