"""Per-region, per-day counters behind human-readable ticket numbers (5101-20261127-000123)."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class TicketSequence(Base):
    """Incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING: race-safe without locks held long."""

    __tablename__ = "ticket_sequences"

    region: Mapped[str] = mapped_column(String(4), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD (Asia/Shanghai)
    last: Mapped[int] = mapped_column(Integer, default=0)
