"""Transcripts as the API shows them (hotline side only)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SegmentOut(BaseModel):
    party: str
    start: float
    end: float
    text: str
    confidence: float | None


class TranscriptOut(BaseModel):
    id: int
    recording_id: int
    status: str
    engine: str
    model: str
    parties: list[str]
    flags: list[dict]
    error: str | None
    segments: list[SegmentOut]


class CallTranscripts(BaseModel):
    call_id: int
    transcripts: list[TranscriptOut]


class SearchHit(BaseModel):
    call_id: int
    transcript_id: int
    started_at: datetime | None
    agent_id: int | None
    snippet: str
    flags: list[dict]
