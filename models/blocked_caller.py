"""Blocked callers (R-26): abusive numbers warned first, then suspended for a time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

BLOCK_STATUSES = ("warned", "suspended")


class BlockedCaller(Base):
    """A number on the block list: `warned` callers hear a notice and go on, `suspended` ones
    hear a notice and are released, until `until` (None = until lifted)."""

    __tablename__ = "blocked_callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
