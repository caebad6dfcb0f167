"""Ticket history: every workflow step (who, when, note), append-only."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class TicketEvent(Base):
    """One step of a ticket; never holds a caller's name or phone (units read the history, R-25)."""

    __tablename__ = "ticket_events"
    # the period reports count returns and extensions by step and time (analytics migration 0017)
    __table_args__ = (Index("ix_ticket_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32), index=True)
    side: Mapped[str] = mapped_column(String(8))  # hotline | unit | system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)  # unit concerned
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
