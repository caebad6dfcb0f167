"""Supervision (督办, R-24): overdue flags, reminders and refused push-backs, per ticket and unit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class SupervisionRecord(Base):
    """One finding; (ticket, kind, due_at) is unique so two schedulers never record it twice."""

    __tablename__ = "supervision_records"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "due_at", name="uq_supervision_records_finding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # overdue_dispatch | overdue_sign | overdue_handle | overdue_first_response | overdue_progress |
    # late_return | return_refused (pushing back a matter whose owner was decided)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reminder: Mapped[str | None] = mapped_column(String(500))  # the reminder (催办) sent
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
