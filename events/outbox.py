"""The outbox: domain events written as rows in the transaction that caused them, then published.

A unit of work writes its events here before it commits, so an event exists exactly when the
change it reports does. After the commit the rows are published on the bus and marked; a
process that dies in between leaves them unpublished, and relay_pending (run by every
scheduler pass and at API start-up) publishes them later. Delivery is therefore at least once,
in id order; a row marked published is never published again. Rows are claimed with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so a relay and the unit of work that wrote
the rows, or two relays, never publish the same row at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.timeutil import utcnow
from events.bus import EventBus
from events.envelope import Audience
from events.sequence import SEQUENCER, sequence_pending
from models import OutboxConsumer, OutboxEvent

log = logging.getLogger(__name__)
RELAY_BATCH = 200
# published rows are kept this long (to look into what was sent, and for the pull feed: a feed
# reader may fall this far behind), then pruned by the scheduler pass
KEEP_PUBLISHED = timedelta(days=7)
# ... and longer while a further consumer (the AMQP relay, the webhooks; events.sequence) has not
# passed them, but never longer than this: a consumer stopped for good must not keep rows forever
KEEP_FOR_CONSUMERS = timedelta(days=30)


@dataclass(frozen=True)
class PendingEvent:
    """An event collected by a unit of work, not yet written."""

    type: str
    data: dict[str, Any]
    audience: Audience


async def write(session: AsyncSession, events: list[PendingEvent]) -> list[int]:
    """Add the events as outbox rows of the session's transaction; their ids, in order."""
    rows = [OutboxEvent(type=e.type, payload=e.data, audience=e.audience.model_dump(mode="json"), attempts=0)
            for e in events]
    session.add_all(rows)
    await session.flush()
    return [row.id for row in rows]


def _claim(query: Select, session: AsyncSession) -> Select:
    """Lock the unpublished rows selected; on PostgreSQL skip rows another publisher holds."""
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


async def _publish_claimed(session: AsyncSession, bus: EventBus, query: Select) -> tuple[int, bool]:
    """Publish the selected unpublished rows in id order and mark them, in one transaction.

    Returns (how many were published, whether all selected were). A failed publication stops
    the batch, so a later event never overtakes an earlier one.
    """
    rows = (await session.scalars(_claim(query.where(OutboxEvent.published_at.is_(None))
                                         .order_by(OutboxEvent.id), session))).all()
    published, complete = 0, True
    try:
        for row in rows:
            row.attempts += 1
            try:
                await bus.publish(row.type, row.payload, audience=Audience.model_validate(row.audience),
                                  at=row.created_at)
            except Exception:  # Redis unreachable: the row stays for the next relay run
                log.warning("outbox event not published; left for the relay", extra={"outbox_id": row.id},
                            exc_info=True)
                complete = False
                break
            row.published_at = utcnow()
            published += 1
    finally:
        await session.commit()
    return published, complete


async def publish_committed(session: AsyncSession, bus: EventBus, ids: list[int]) -> int:
    """Publish the rows a unit of work has just committed (those no relay took meanwhile)."""
    published, _ = await _publish_claimed(session, bus, select(OutboxEvent).where(OutboxEvent.id.in_(ids)))
    return published


async def relay_pending(sessionmaker: async_sessionmaker[AsyncSession], bus: EventBus, *,
                        batch: int = RELAY_BATCH) -> int:
    """Publish every row left unpublished (a crash between commit and publication), oldest first.

    Returns how many were published; stops at the first publication that fails.
    """
    total = 0
    while True:
        async with sessionmaker() as session:
            published, complete = await _publish_claimed(session, bus, select(OutboxEvent).limit(batch))
        total += published
        if not complete or published < batch:
            break
    if total:
        log.info("outbox relayed", extra={"published": total})
    return total


async def prune_published(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None,
                          keep: timedelta = KEEP_PUBLISHED, hold_max: timedelta = KEEP_FOR_CONSUMERS) -> int:
    """Delete the rows published more than keep ago that every further consumer has passed (or
    published more than hold_max ago, whatever the consumers); never an unpublished or an
    unsequenced row. How many were deleted."""
    now = now or utcnow()
    await sequence_pending(sessionmaker)  # a row is numbered before it may go: the feed sees no silent gap
    passed = select(func.min(OutboxConsumer.position)).where(OutboxConsumer.name != SEQUENCER).scalar_subquery()
    passed_by_all = or_(passed.is_(None), OutboxEvent.seq <= passed)
    async with sessionmaker() as session:
        result = await session.execute(delete(OutboxEvent).where(
            OutboxEvent.published_at < now - keep, OutboxEvent.seq.is_not(None),
            or_(passed_by_all, OutboxEvent.published_at < now - hold_max)))
        await session.commit()
    return result.rowcount or 0
