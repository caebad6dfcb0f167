"""Ticket progress for the voice menu (key 3): the status of a ticket by its number.

Reads the work-orders domain's `tickets` table by number (the caller keys the digits of
e.g. 5101-20261127-000123, without the dashes) and the status labels of
workorders.state_machine when that package is present. Any failure means "not found":
the menu then asks again, it never leaves the caller in silence.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketProgress:
    number: str
    status: str
    status_label: str


def _labels() -> dict[str, str]:
    try:
        from workorders.state_machine import STATUS_LABELS
    except ImportError:
        return {}
    return {getattr(k, "value", k): v for k, v in STATUS_LABELS.items()}


async def find_ticket(session: AsyncSession, digits: str) -> TicketProgress | None:
    """The ticket whose number's digits are `digits`, or None."""
    if not digits.isdigit() or len(digits) > 32:
        return None
    row = (await session.execute(
        text("SELECT number, status FROM tickets WHERE replace(number, '-', '') = :digits LIMIT 1"),
        {"digits": digits})).first()
    if row is None:
        return None
    number, status = row
    return TicketProgress(number=number, status=status, status_label=_labels().get(status, status))


class TicketLookup:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, digits: str) -> TicketProgress | None:
        try:
            async with self.sessionmaker() as session:
                return await find_ticket(session, digits)
        except Exception:  # no tickets table yet, database hiccup …: "not found"
            log.warning("ticket lookup failed", exc_info=True)
            return None
