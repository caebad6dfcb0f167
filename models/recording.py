"""Call recordings: the stored file of every answered call, kept at least two years (R-17)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class Recording(Base):
    """One audio file (both parties mixed) of a call, with its integrity hash."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    path: Mapped[str] = mapped_column(String(512))  # relative to HOTLINE_RECORDINGS_DIR
    format: Mapped[str] = mapped_column(String(8), default="wav")
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retain_until: Mapped[datetime] = mapped_column(index=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    # the periodic re-check of the file against sha256 (recordings.tasks): ok | mismatch | missing
    integrity: Mapped[str | None] = mapped_column(String(16))
    verified_at: Mapped[datetime | None] = mapped_column(index=True)
