"""Call events: every step and every agent action on a call (menu, queue, hold, transfer …)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class CallEvent(Base):
    """One thing that happened on a call, with who did it (R-04, R-06)."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
