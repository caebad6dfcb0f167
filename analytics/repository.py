"""Aggregates over ticket_topics (hot topics, surge counts) and the callers and addresses of tickets
(repeat callers, collective complaints): counted by the database, never looped over in Python."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, distinct, exists, func, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from models import Region, Ticket, TicketCaller, TicketTopic

EXAMPLES = 3
KEYWORD_SAMPLE = 200  # tickets whose keywords describe a topic (the most recent)


@dataclass(frozen=True)
class TopicFilter:
    start: datetime
    end: datetime
    region: str | None = None  # a region code: it and everything inside it
    category: str | None = None
    enterprise_related: bool | None = None


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.region_prefix:
        return TicketTopic.region_code.startswith(scope.region_prefix)
    if not scope.unit_ids:
        return TicketTopic.ticket_id.is_(None)  # never true: sees nothing
    return exists().where(Ticket.id == TicketTopic.ticket_id, Ticket.lead_unit_id.in_(sorted(scope.unit_ids)))


def _where(f: TopicFilter, scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    clauses = [TicketTopic.created_at >= start, TicketTopic.created_at < end, _scope_clause(scope)]
    if f.region:
        clauses.append(TicketTopic.region_code.startswith(f.region))
    if f.category:
        clauses.append(TicketTopic.category == f.category)
    if f.enterprise_related is not None:
        clauses.append(TicketTopic.enterprise_related.is_(f.enterprise_related))
    return clauses


async def topic_counts(session: AsyncSession, f: TopicFilter, scope: Scope, *, limit: int) -> list[tuple[str, int]]:
    """The largest topics of the period: (topic, tickets)."""
    count = func.count().label("n")
    rows = await session.execute(select(TicketTopic.topic, count).where(*_where(f, scope, f.start, f.end))
                                 .group_by(TicketTopic.topic).order_by(count.desc(), TicketTopic.topic).limit(limit))
    return [(topic, int(n)) for topic, n in rows]


async def previous_counts(session: AsyncSession, f: TopicFilter, scope: Scope, topics: Sequence[str]) -> dict[str, int]:
    """The same topics' counts in the period of the same length just before."""
    if not topics:
        return {}
    length = f.end - f.start
    rows = await session.execute(select(TicketTopic.topic, func.count())
                                 .where(*_where(f, scope, f.start - length, f.start), TicketTopic.topic.in_(topics))
                                 .group_by(TicketTopic.topic))
    return {topic: int(n) for topic, n in rows}


async def region_counts(session: AsyncSession, f: TopicFilter, scope: Scope,
                        topics: Sequence[str]) -> dict[str, list[dict]]:
    """Per topic, its counts per county (区县), largest first, with the county's name."""
    if not topics:
        return {}
    n = func.count().label("n")
    rows = await session.execute(
        select(TicketTopic.topic, TicketTopic.county_code, Region.name, n)
        .outerjoin(Region, Region.code == TicketTopic.county_code)
        .where(*_where(f, scope, f.start, f.end), TicketTopic.topic.in_(topics))
        .group_by(TicketTopic.topic, TicketTopic.county_code, Region.name).order_by(n.desc(), TicketTopic.county_code))
    result: dict[str, list[dict]] = defaultdict(list)
    for topic, code, name, count in rows:
        result[topic].append({"region_code": code, "name": name or code, "count": int(count)})
    return result


async def examples(session: AsyncSession, f: TopicFilter, scope: Scope, topics: Sequence[str],
                   per_topic: int = EXAMPLES) -> dict[str, list[dict]]:
    """Per topic, its most recent tickets (number, time, region, the first words of the content)."""
    if not topics:
        return {}
    rank = func.row_number().over(partition_by=TicketTopic.topic,
                                  order_by=(TicketTopic.created_at.desc(), TicketTopic.ticket_id.desc())).label("rank")
    inner = (select(TicketTopic.topic, TicketTopic.ticket_id, rank)
             .where(*_where(f, scope, f.start, f.end), TicketTopic.topic.in_(topics)).subquery())
    rows = await session.execute(
        select(inner.c.topic, Ticket.id, Ticket.number, Ticket.created_at, Ticket.region_code, Ticket.content)
        .join(Ticket, Ticket.id == inner.c.ticket_id).where(inner.c.rank <= per_topic)
        .order_by(inner.c.topic, inner.c.rank))
    result: dict[str, list[dict]] = defaultdict(list)
    for topic, ticket_id, number, created_at, region_code, content in rows:
        result[topic].append({"ticket_id": ticket_id, "number": number, "created_at": created_at.isoformat(),
                              "region_code": region_code, "summary": (content or "")[:80]})
    return result


async def keyword_lists(session: AsyncSession, f: TopicFilter, scope: Scope, topics: Sequence[str],
                        per_topic: int = KEYWORD_SAMPLE) -> dict[str, list[list[str]]]:
    """Per topic, the keywords of its most recent tickets in the period (what describes it)."""
    if not topics:
        return {}
    rank = func.row_number().over(partition_by=TicketTopic.topic,
                                  order_by=(TicketTopic.created_at.desc(), TicketTopic.ticket_id.desc())).label("rank")
    inner = (select(TicketTopic.topic, TicketTopic.keywords, rank)
             .where(*_where(f, scope, f.start, f.end), TicketTopic.topic.in_(topics)).subquery())
    rows = await session.execute(select(inner.c.topic, inner.c.keywords).where(inner.c.rank <= per_topic))
    result: dict[str, list[list[str]]] = defaultdict(list)
    for topic, keywords in rows:
        result[topic].append(list(keywords or []))
    return result


# --- alert counts --------------------------------------------------------------------------------

async def surge_counts(session: AsyncSession, *, start: datetime, end: datetime,
                       at_least: int) -> list[tuple[str, str, int, list[int]]]:
    """(topic, county, tickets, ticket ids) of the window, for the groups with at least `at_least` tickets."""
    n = func.count().label("n")
    rows = await session.execute(select(TicketTopic.topic, TicketTopic.county_code, n)
                                 .where(TicketTopic.created_at >= start, TicketTopic.created_at < end)
                                 .group_by(TicketTopic.topic, TicketTopic.county_code).having(n >= at_least))
    groups = [(topic, county, int(count)) for topic, county, count in rows]
    if not groups:
        return []
    ids = await session.execute(
        select(TicketTopic.topic, TicketTopic.county_code, TicketTopic.ticket_id)
        .where(TicketTopic.created_at >= start, TicketTopic.created_at < end,
               tuple_(TicketTopic.topic, TicketTopic.county_code).in_([(t, c) for t, c, _ in groups]))
        .order_by(TicketTopic.created_at.desc()))
    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for topic, county, ticket_id in ids:
        by_group[(topic, county)].append(ticket_id)
    return [(topic, county, count, by_group[(topic, county)]) for topic, county, count in groups]


async def prior_counts(session: AsyncSession, groups: Sequence[tuple[str, str]], *, start: datetime,
                       days: int) -> dict[tuple[str, str], int]:
    """Counts of (topic, county) over the `days` before start (the usual level)."""
    if not groups:
        return {}
    rows = await session.execute(
        select(TicketTopic.topic, TicketTopic.county_code, func.count())
        .where(TicketTopic.created_at >= start - timedelta(days=days), TicketTopic.created_at < start,
               tuple_(TicketTopic.topic, TicketTopic.county_code).in_(list(groups)))
        .group_by(TicketTopic.topic, TicketTopic.county_code))
    return {(topic, county): int(n) for topic, county, n in rows}


async def repeat_callers(session: AsyncSession, *, since: datetime,
                         at_least: int) -> list[tuple[str, str, str, int, list[int]]]:
    """(phone, topic, region, tickets, ids): one caller's tickets on one topic since `since`."""
    n = func.count(distinct(TicketTopic.ticket_id)).label("n")
    groups = (select(TicketCaller.phone, TicketTopic.topic, func.min(TicketTopic.region_code).label("region"), n)
              .join(TicketTopic, TicketTopic.ticket_id == TicketCaller.source_ticket_id)
              .where(TicketTopic.created_at >= since)
              .group_by(TicketCaller.phone, TicketTopic.topic).having(n >= at_least))
    rows = (await session.execute(groups)).all()
    if not rows:
        return []
    ids = await session.execute(
        select(TicketCaller.phone, TicketTopic.topic, TicketTopic.ticket_id)
        .join(TicketTopic, TicketTopic.ticket_id == TicketCaller.source_ticket_id)
        .where(TicketTopic.created_at >= since,
               tuple_(TicketCaller.phone, TicketTopic.topic).in_([(r.phone, r.topic) for r in rows])))
    by_group: dict[tuple[str, str], set[int]] = defaultdict(set)
    for phone, topic, ticket_id in ids:
        by_group[(phone, topic)].add(ticket_id)
    return [(r.phone, r.topic, r.region, int(r.n), sorted(by_group[(r.phone, r.topic)])) for r in rows]


def normalised_address(column):
    """The address with spaces removed (full-width too): the same place typed twice is one place."""
    return func.replace(func.replace(func.trim(column), " ", ""), "\u3000", "")


async def collective(session: AsyncSession, *, since: datetime,
                     at_least: int) -> list[tuple[str, str, int, list[int], str]]:
    """(address, region, distinct callers, ticket ids, dominant topic) of the addresses many callers named."""
    address = normalised_address(Ticket.address).label("address")
    callers = func.count(distinct(TicketCaller.phone)).label("callers")
    rows = (await session.execute(
        select(address, func.min(Ticket.region_code).label("region"), callers)
        .join(TicketCaller, TicketCaller.source_ticket_id == Ticket.id)
        .where(Ticket.created_at >= since, Ticket.address.is_not(None), func.length(Ticket.address) >= 4)
        .group_by(address).having(callers >= at_least))).all()
    if not rows:
        return []
    wanted = [r.address for r in rows]
    members = await session.execute(
        select(normalised_address(Ticket.address), Ticket.id, TicketTopic.topic)
        .outerjoin(TicketTopic, TicketTopic.ticket_id == Ticket.id)
        .where(Ticket.created_at >= since, normalised_address(Ticket.address).in_(wanted)))
    ids: dict[str, set[int]] = defaultdict(set)
    topics: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for addr, ticket_id, topic in members:
        ids[addr].add(ticket_id)
        if topic:
            topics[addr][topic] += 1
    result = []
    for r in rows:
        counts = topics[r.address]
        top = min(counts, key=lambda t: (-counts[t], t)) if counts else ""
        result.append((r.address, r.region, int(r.callers), sorted(ids[r.address]), top))
    return result


async def keywords_of(session: AsyncSession, ticket_ids: Sequence[int]) -> list[list[str]]:
    if not ticket_ids:
        return []
    rows = await session.scalars(select(TicketTopic.keywords).where(TicketTopic.ticket_id.in_(list(ticket_ids))))
    return [list(k or []) for k in rows]


async def region_names(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    return dict((await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))).tuples().all())


