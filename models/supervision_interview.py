"""A formal interview (约谈) of a handling unit by the hotline (R-24, 第十八条/第十九条)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class SupervisionInterview(Base):
    """Who was interviewed when, who attended, what was found and what must follow."""

    __tablename__ = "supervision_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # the unit's, for regional scopes
    held_on: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    findings: Mapped[str] = mapped_column(String(4000))
    follow_up: Mapped[str] = mapped_column(String(4000))
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    ticket_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the tickets that led to it
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_username: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
