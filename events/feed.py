"""The external event contract (R-33): what leaves the platform, and the pull feed over it.

One projection serves the pull feed (GET /api/v1/feed/events), the AMQP relay (events.amqp) and
is documented in docs/asyncapi.yaml:

    {"id": 123, "seq": 120, "type": "ticket.dispatched", "at": "2026-…Z", "data": {...}}

`id` is the outbox row's id: the event's identity, the same on every repeated delivery.
`seq` is the feed cursor (events.sequence). Only the types with EXTERNAL_PREFIXES leave the
platform, and their data never carries a caller's identity, whoever the event was addressed to
(events.envelope.without_caller_identity: confidential callers and reporters included, R-25).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import DomainError, Unprocessable
from events.envelope import without_caller_identity
from events.sequence import last_sequenced, oldest_kept, rows_after, sequence_pending
from models import OutboxEvent

EXTERNAL_PREFIXES = ("ticket.", "analytics.")
MAX_LIMIT = 1000
MAX_SCAN = 10_000  # rows one page reads at most (a long run of internal events ends a page early)


class CursorExpired(DomainError):
    status_code = 410
    code = "cursor_expired"


def is_external(type_: str) -> bool:
    return type_.startswith(EXTERNAL_PREFIXES)


def external_event(row: OutboxEvent) -> dict[str, Any]:
    """The event as it leaves the platform (feed, AMQP)."""
    return {"id": row.id, "seq": row.seq, "type": row.type, "at": row.created_at.isoformat(),
            "data": without_caller_identity(row.payload)}


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: int


async def read_feed(sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, *, after: int,
                    limit: int) -> FeedPage:
    """The external events after the cursor, in order; next_cursor is where to ask next.

    The rows committed so far are sequenced first (their own short transaction). Cursor 0
    starts a new reader at the oldest event kept; any other cursor from before the oldest kept
    row is refused (410): events after it were pruned, and a reader must learn that it missed
    them rather than silently skip them.
    """
    await sequence_pending(sessionmaker)
    last = await last_sequenced(session)
    if after > last:
        raise Unprocessable(f"游标 {after} 超出事件流末尾 (cursor beyond the last event, {last})",
                            code="invalid_cursor", detail={"last_seq": last})
    oldest = await oldest_kept(session)
    first_kept = oldest if oldest is not None else last + 1
    if after == 0:  # a new reader: from the oldest event kept
        after = first_kept - 1
    elif after < first_kept - 1:
        raise CursorExpired(f"游标 {after} 之后的事件已过保留期 (events after this cursor were pruned; "
                            f"the oldest kept seq is {first_kept})", detail={"oldest_seq": first_kept})
    events: list[dict[str, Any]] = []
    cursor, scanned = after, 0
    while len(events) < limit and scanned < MAX_SCAN:  # internal rows are skipped, boundedly
        rows = await rows_after(session, cursor, limit=limit)
        if not rows:
            break
        for row in rows:
            if is_external(row.type):
                events.append(external_event(row))
            cursor, scanned = row.seq, scanned + 1
            if len(events) == limit:
                break
    return FeedPage(events=events, next_cursor=cursor)
