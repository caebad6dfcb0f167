"""Ticket progress for the voice menu (key 3): the status of a ticket by its number.

Asks the work-orders domain for the ticket by number (the caller keys the digits of e.g.
5101-20261127-000123, without the dashes) and says its status with workorders.state_machine's
labels. Any failure means "not found": the menu then asks again, it never leaves the caller
in silence.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workorders.repository import number_and_status_by_digits
from workorders.state_machine import STATUS_LABELS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketProgress:
    number: str
    status: str
    status_label: str


# the label of each status, by its value (what the tickets table stores)
_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


async def find_ticket(session: AsyncSession, digits: str) -> TicketProgress | None:
    """The ticket whose number's digits are `digits`, or None."""
    if not digits.isdigit() or len(digits) > 32:
        return None
    found = await number_and_status_by_digits(session, digits)
    if found is None:
        return None
    number, status = found
    return TicketProgress(number=number, status=status, status_label=_LABELS.get(status, status))


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
