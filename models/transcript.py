"""Transcripts of call recordings: one per recording, its timed segments per party."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

# running: claimed by a `hotline transcribe` worker; done; failed (error kept, tried again later)
TRANSCRIPT_STATUSES = ("running", "done", "failed")


class Transcript(Base):
    """The speech recognised in one recording (hotline side only: R-17, R-25).

    `text` is the whole transcript (parties in time order) for search; `flags` the keyword
    categories spotted in it (abuse, threat, complaint) that put the call up for inspection."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), unique=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    engine: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str] = mapped_column(String(128), default="")  # the model directory's name
    parties: Mapped[list[str]] = mapped_column(JSON, default=list)  # caller/agent, or mixed (one channel)
    text: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    processing_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class TranscriptSegment(Base):
    """One recognised utterance: who spoke (caller, agent, mixed), when (seconds into the recording)."""

    __tablename__ = "transcript_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(16))
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
