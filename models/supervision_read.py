"""A reminder (催办) read by someone of the unit it was sent to (R-24: the hotline sees that it arrived)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class SupervisionRead(Base):
    """One person's first opening of one reminder; the earliest row is when the unit read it."""

    __tablename__ = "supervision_reads"
    __table_args__ = (UniqueConstraint("record_id", "user_id", name="uq_supervision_reads_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))  # the reader's unit
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
