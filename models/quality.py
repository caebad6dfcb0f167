"""Quality inspection (质检, R-23, R-35): scoring forms as versioned data, the calls drawn for
inspection, and the scores supervisors give them (with the agent's one appeal)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

SAMPLE_REASONS = ("random", "complaint", "dissatisfied", "keyword", "manual")
APPEAL_STATUSES = ("open", "upheld", "rejected")


class QualityForm(Base):
    """One version of a scoring form. A change is a new version (a new row); a score keeps the
    version it was given with. `items`: [{key, label, points, fatal}] — `points` is the item's
    weight (its most points); a fatal item (`fatal: true`) has no points: violated, it zeroes the score."""

    __tablename__ = "quality_forms"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_quality_forms_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # the newest version of its code
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualitySample(Base):
    """A call drawn for inspection (one per call): at random for its agent's week, or because
    its ticket was a complaint, its caller was dissatisfied, or keywords were spotted."""

    __tablename__ = "quality_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week of the call (business time): 2026-W49
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | scored
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualityScore(Base):
    """A supervisor's score of a sampled call, on one form version; the agent may appeal once."""

    __tablename__ = "quality_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("quality_samples.id", ondelete="CASCADE"), unique=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("quality_forms.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # item key -> points; fatal item key -> true/false
    total: Mapped[float] = mapped_column(Float)  # 0–100; 0 when a fatal item was violated
    fatal: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scored_by: Mapped[str] = mapped_column(String(64))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None]
    appeal_status: Mapped[str | None] = mapped_column(String(16), index=True)
    appeal_note: Mapped[str | None] = mapped_column(Text)
    appeal_decided_by: Mapped[str | None] = mapped_column(String(64))
    appeal_decided_at: Mapped[datetime | None]
    original_total: Mapped[float | None] = mapped_column(Float)  # the total before an upheld appeal changed it
