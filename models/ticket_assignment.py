"""Which units a ticket is dispatched to (lead 主办 + co-handling 协办); unit scope reads this table."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class TicketAssignment(Base):
    """One unit's part in a ticket; ended (active=false) when the ticket is returned or re-dispatched."""

    __tablename__ = "ticket_assignments"
    __table_args__ = (Index("ix_ticket_assignments_unit_active", "unit_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
