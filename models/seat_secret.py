"""The SIP secret of each seat (extension): random, rotated when its holder's access changes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class SeatSecret(Base):
    """One seat's SIP digest password (phone and browser softphone alike); pbx/seat_secrets.py."""

    __tablename__ = "seat_secrets"

    extension: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime] = mapped_column(default=utcnow)
