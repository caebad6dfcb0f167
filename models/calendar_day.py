"""Working-time calendar days (R-10 … R-15): seeded holidays/make-up days and administrators' corrections."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class CalendarDay(Base):
    """One non-default date: a weekday holiday or a weekend make-up workday (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    source: Mapped[str] = mapped_column(String(8))  # seeded | admin (an admin entry wins over seeded data)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))
