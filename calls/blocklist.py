"""The block list (R-26): numbers warned first, then suspended for a time; read by the
FastAGI check before every call and by the desktop's screen pop.

One list for the whole province, kept by the province centre only (R-26, R-31): a citizen is
suspended "from the hotline" — the one 12345 number every city's calls come in on — and the
FastAGI check runs before the voice menu, when nothing yet ties the call to a region. A block
made by a city centre would therefore cut the caller off from every other city's services too,
and scoping entries by region would need a region the check cannot know; so a city or county
centre's supervisors cannot list, add, change or lift entries (403), and ask the province
centre instead. Every entry applies to every call, which is exactly what the check enforces."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calls.blocking import block_decision, normalise_number
from calls.schemas import BlockIn, BlockOut
from core.errors import NotFound
from models import BlockedCaller


def to_out(entry: BlockedCaller, now: datetime) -> BlockOut:
    return BlockOut(id=entry.id, number=entry.number, status=entry.status, reason=entry.reason, until=entry.until,
                    active=block_decision(entry.status, entry.until, now) is not None,
                    created_by_id=entry.created_by_id, created_at=entry.created_at, updated_at=entry.updated_at)


async def list_entries(session: AsyncSession) -> list[BlockedCaller]:
    return list((await session.scalars(select(BlockedCaller).order_by(BlockedCaller.id.desc()))).all())


async def upsert(session: AsyncSession, *, body: BlockIn, actor_id: int) -> tuple[BlockedCaller, bool]:
    """Add a number, or change its entry (warned -> suspended …); returns (entry, created)."""
    number = normalise_number(body.number)
    entry = await session.scalar(select(BlockedCaller).where(BlockedCaller.number == number))
    created = entry is None
    if entry is None:
        entry = BlockedCaller(number=number, created_by_id=actor_id, status=body.status, reason=body.reason)
        session.add(entry)
    entry.status, entry.reason, entry.until = body.status, body.reason, body.until
    await session.flush()
    return entry, created


async def remove(session: AsyncSession, *, entry_id: int) -> BlockedCaller:
    entry = await session.get(BlockedCaller, entry_id)
    if entry is None:
        raise NotFound(f"黑名单条目 {entry_id} 不存在 (no such entry)")
    await session.delete(entry)
    await session.flush()
    return entry
