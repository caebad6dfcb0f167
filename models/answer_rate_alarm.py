"""Answer-rate alarms (接通率告警): the supervision record of a queue, expert-seat group or sub-centre
whose answer rate fell under 95 % (R-05, R-24, R-34)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AnswerRateAlarm(Base):
    """One alarm episode, from raised to cleared; at most one open per segment (partial unique index),
    so several evaluating processes can never raise the same alarm twice."""

    __tablename__ = "answer_rate_alarms"
    __table_args__ = (
        Index("uq_answer_rate_alarms_open_segment", "segment_kind", "segment_key", unique=True,
              postgresql_where=text("cleared_at IS NULL"), sqlite_where=text("cleared_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_kind: Mapped[str] = mapped_column(String(16))  # queue | expert_group | sub_centre
    segment_key: Mapped[str] = mapped_column(String(64))
    segment_name: Mapped[str] = mapped_column(String(128))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)  # the sub-centre
    window_minutes: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    min_offered: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(index=True)
    offered: Mapped[int] = mapped_column(Integer)  # over the window, when raised
    answered: Mapped[int] = mapped_column(Integer)
    answer_rate: Mapped[float] = mapped_column(Float)
    notice: Mapped[str] = mapped_column(String(500))  # the reminder (督促) shown to supervisors
    cleared_at: Mapped[datetime | None] = mapped_column(index=True)
    cleared_offered: Mapped[int | None] = mapped_column(Integer)
    cleared_answered: Mapped[int | None] = mapped_column(Integer)
    cleared_answer_rate: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement: Mapped[str | None] = mapped_column(String(500))  # what the supervisor did (督促措施)
