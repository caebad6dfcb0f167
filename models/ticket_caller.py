"""Callers of a ticket: one, or many after merging duplicates (并单, R-07); each gets the callback."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class TicketCaller(Base):
    """Name and phone are personal data: hidden from units for confidential callers and reporters (R-25).

    Whether units may see a caller is decided once, at intake, and stored here with the caller
    (`hidden_from_units`): it travels with the caller through merges, returns and redos, so a
    reporter merged into an ordinary ticket stays hidden. It is only ever set, never cleared.
    """

    __tablename__ = "ticket_callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # confidential, or the caller of a report (举报) — decided at intake, kept through every merge
    hidden_from_units: Mapped[bool] = mapped_column(Boolean, default=False)
    # the ticket the caller first called about (differs from ticket_id after a merge)
    # indexed (analytics migration 0017): repeat callers and collective complaints join on it
    source_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    callback_result: Mapped[str | None] = mapped_column(String(32))
    callback_round: Mapped[int | None] = mapped_column(Integer)
    callback_at: Mapped[datetime | None] = mapped_column(index=True)  # the reports count callbacks by time (0017)
