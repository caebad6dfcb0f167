"""Giving new tickets their topic (the I/O shell of analytics.topics): the tickets without one, oldest
first, in bounded batches, grouped against the topics of the last days. Idempotent (the ticket id is
the key: a second indexer's insert of the same ticket is skipped)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.topics import group, is_anchored, place_names, regroup
from models import Region, Ticket, TicketTopic

BATCH = 2000  # tickets given a topic per call at most
RECENT_DAYS = 7  # the known topics: those of the tickets of this many days …
RECENT_TICKETS = 5000  # … at most this many of them (their keywords make the centroids and the IDF)


async def pending_count(session: AsyncSession, *, since: datetime | None = None) -> int:
    query = select(func.count()).select_from(Ticket).outerjoin(TicketTopic, TicketTopic.ticket_id == Ticket.id) \
        .where(TicketTopic.ticket_id.is_(None))
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    return int(await session.scalar(query) or 0)


async def _recent(session: AsyncSession, *, before: datetime) -> tuple[dict[str, list[list[str]]], dict[int, tuple[str, list[str]]]]:
    """The recent topics' keyword lists, and the recent tickets that started a topic of their own."""
    rows = await session.execute(
        select(TicketTopic.ticket_id, TicketTopic.topic, TicketTopic.keywords)
        .where(TicketTopic.created_at >= before - timedelta(days=RECENT_DAYS), TicketTopic.created_at <= before)
        .order_by(TicketTopic.created_at.desc()).limit(RECENT_TICKETS))
    recent: dict[str, list[list[str]]] = defaultdict(list)
    lone: dict[int, tuple[str, list[str]]] = {}
    for ticket_id, topic, keywords in rows:
        recent[topic].append(list(keywords or []))
        if not is_anchored(topic):
            lone[ticket_id] = (topic, list(keywords or []))
    return recent, lone


_PLACES: dict[str, frozenset[str]] = {}  # region names change with a migration only: read once per process


async def places(session: AsyncSession) -> frozenset[str]:
    if "names" not in _PLACES:
        _PLACES["names"] = place_names((await session.scalars(select(Region.name))).all())
    return _PLACES["names"]


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
    recent, lone = await _recent(session, before=rows[-1].created_at)
    assignments = group([row.content or "" for row in rows], threshold=threshold, recent=recent,
                        places=await places(session))
    shared = Counter(a.topic for a in assignments if is_anchored(a.topic))
    for label, keyword_lists in recent.items():
        if is_anchored(label):
            shared[label] += len(keyword_lists)
    for ticket_id, anchor in regroup(lone, shared).items():  # a lone ticket's matter has since recurred
        await session.execute(update(TicketTopic).where(TicketTopic.ticket_id == ticket_id).values(topic=anchor))
    values = [{"ticket_id": row.id, "topic": a.topic, "keywords": list(a.keywords), "created_at": row.created_at,
               "region_code": row.region_code, "county_code": (row.region_code or "")[:6], "category": row.category,
               "enterprise_related": bool(row.enterprise_related)} for row, a in zip(rows, assignments, strict=True)]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(TicketTopic).values(values).on_conflict_do_nothing(index_elements=["ticket_id"]))
    return len(values)
