"""Published versions of the 第十三条 time-limit policy; each ticket keeps the version it was created under."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class TimeLimitPolicyVersion(Base):
    """A policy version (worktime.policy_to_dict as JSON body); exactly one is active."""

    __tablename__ = "time_limit_policies"
    __table_args__ = (
        Index("uq_time_limit_policies_one_active", "active", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
