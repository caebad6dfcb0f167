"""Sequencing the outbox for its further consumers: the feed, the AMQP relay, the webhooks.

Outbox ids are handed out when a unit of work writes its rows, before it commits; two units of
work can commit in the other order, so a reader that remembers "the last id I saw" could skip a
row that becomes visible later with a smaller id. The sequencer gives every committed row a
`seq` in the order rows became visible: it locks its own cursor row (outbox_consumers
"sequencer"), numbers the committed rows that have none, in id order, and commits. A row that
commits later gets a later seq, so a cursor over seq never skips anything. Rows of one ticket
are written under that ticket's row lock, so their seq follows the order of the changes.

Each consumer keeps its own position (the last seq it fully handled) in outbox_consumers, read
and advanced in the transaction that records its work (or right after a delivery it cannot
take back: then a crash repeats that delivery, with the same event id).
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.timeutil import utcnow
from models import OutboxConsumer, OutboxEvent

SEQUENCER = "sequencer"
SEQUENCE_BATCH = 2000


async def consumer(session: AsyncSession, name: str, *, lock: bool = False) -> OutboxConsumer:
    """The consumer's row (made at position 0 the first time), locked FOR UPDATE if asked."""
    query = select(OutboxConsumer).where(OutboxConsumer.name == name)
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        await insert_consumer(session, name)
        row = await session.scalar(query)
    return row


async def insert_consumer(session: AsyncSession, name: str) -> None:
    """Create the consumer row if missing (two first runs racing each insert it at most once)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(OutboxConsumer).values(name=name, position=0, attempts=0, updated_at=utcnow())
                          .on_conflict_do_nothing(index_elements=["name"]))


async def sequence_pending(sessionmaker: async_sessionmaker[AsyncSession], *, batch: int = SEQUENCE_BATCH) -> int:
    """Number the committed rows that have no seq yet, in id order; how many were numbered."""
    total = 0
    while True:
        async with sessionmaker() as session:
            cursor = await consumer(session, SEQUENCER, lock=True)
            ids = (await session.scalars(select(OutboxEvent.id).where(OutboxEvent.seq.is_(None))
                                         .order_by(OutboxEvent.id).limit(batch))).all()
            if ids:
                start = cursor.position
                await session.execute(update(OutboxEvent), [{"id": row_id, "seq": start + n}
                                                            for n, row_id in enumerate(ids, 1)])
                cursor.position = start + len(ids)
                cursor.updated_at = utcnow()
            await session.commit()
        total += len(ids)
        if len(ids) < batch:
            return total


async def rows_after(session: AsyncSession, position: int, *, limit: int) -> list[OutboxEvent]:
    """The sequenced rows after position, in seq order."""
    query = select(OutboxEvent).where(OutboxEvent.seq > position).order_by(OutboxEvent.seq).limit(limit)
    return list((await session.scalars(query)).all())


async def oldest_kept(session: AsyncSession) -> int | None:
    """The smallest seq still stored (rows before it were pruned), None when none is sequenced."""
    return await session.scalar(select(func.min(OutboxEvent.seq)))


async def last_sequenced(session: AsyncSession) -> int:
    """The last seq handed out (0 before the first)."""
    return (await session.scalar(select(OutboxConsumer.position).where(OutboxConsumer.name == SEQUENCER))) or 0


async def record_failure(sessionmaker: async_sessionmaker[AsyncSession], name: str, error: BaseException) -> None:
    """Note a consumer's failed pass (attempts in a row, the error) where operators can see it."""
    async with sessionmaker() as session:
        row = await consumer(session, name)
        row.attempts += 1
        row.last_error = repr(error)[:500]
        row.updated_at = utcnow()
        await session.commit()
