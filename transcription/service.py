"""Transcripts: which recording is transcribed next, running the engine on it, storing the
result with its timestamps and keyword flags, reading and searching them (hotline side only)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import utcnow
from models import Recording, Transcript, TranscriptSegment
from transcription.audio import parties
from transcription.engine import SpeechEngine
from transcription.keywords import KEYWORDS, spot

STALE_AFTER = timedelta(minutes=30)  # a claim older than this belonged to a worker that died
RETRY_AFTER = timedelta(minutes=10)  # a failed transcript is tried again after this


@dataclass(frozen=True)
class PartySegment:
    party: str
    start: float
    end: float
    text: str
    confidence: float | None


@dataclass(frozen=True)
class EngineRun:
    segments: list[PartySegment]
    parties: list[str]
    audio_seconds: float
    processing_seconds: float  # wall-clock time of the engine, for × real time


def compact(text: str) -> str:
    """Spaces between CJK characters removed: what is stored for search and what a query is matched as."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text).strip()


def run_engine(engine: SpeechEngine, path: Path) -> EngineRun:
    """Transcribe one recording, party by party (blocking: run it in a thread)."""
    started = time.perf_counter()
    audio = parties(path)
    segments = [PartySegment(part.party, s.start, s.end, s.text, s.confidence)
                for part in audio for s in engine.transcribe(part.pcm, 16000)]
    segments.sort(key=lambda s: (s.start, s.party))
    return EngineRun(segments=segments, parties=[p.party for p in audio],
                     audio_seconds=max((p.seconds for p in audio), default=0.0),
                     processing_seconds=time.perf_counter() - started)


async def claim_next(session: AsyncSession, *, max_attempts: int, now: datetime | None = None) -> Transcript | None:
    """Claim one recording to transcribe (flushed, the caller commits at once): a recording
    without a transcript, newest first; else a failed one due again, or one whose worker died."""
    now = now or utcnow()
    missing = (select(Recording).outerjoin(Transcript, Transcript.recording_id == Recording.id)
               .where(Transcript.id.is_(None)).order_by(Recording.id.desc()).limit(1))
    recording = await session.scalar(missing)
    if recording is not None:
        transcript = Transcript(recording_id=recording.id, call_id=recording.call_id, status="running",
                                attempts=1, claimed_at=now, parties=[], flags=[], text="")
        try:
            async with session.begin_nested():
                session.add(transcript)
        except IntegrityError:  # another worker claimed it first
            return None
        return transcript
    again = (select(Transcript).where(Transcript.attempts < max_attempts, or_(
        and_(Transcript.status == "failed", Transcript.finished_at < now - RETRY_AFTER),
        and_(Transcript.status == "running", Transcript.claimed_at < now - STALE_AFTER)))
        .order_by(Transcript.id).limit(1))
    if session.bind.dialect.name == "postgresql":
        again = again.with_for_update(skip_locked=True)
    transcript = await session.scalar(again)
    if transcript is None:
        return None
    transcript.status, transcript.claimed_at, transcript.attempts = "running", now, transcript.attempts + 1
    await session.execute(TranscriptSegment.__table__.delete().where(TranscriptSegment.transcript_id == transcript.id))
    await session.flush()
    return transcript


def store_run(session: AsyncSession, transcript: Transcript, run: EngineRun, *, engine: SpeechEngine,
              keywords=KEYWORDS, now: datetime | None = None) -> None:
    """Keep the engine's result on the transcript, its segments and keyword flags."""
    transcript.status, transcript.engine, transcript.model = "done", engine.name, engine.model
    transcript.parties = run.parties
    transcript.text = compact(" ".join(s.text for s in run.segments))
    # a flag points at its segment's stored start (hundredths), so a click on it finds the segment
    transcript.flags = [hit.as_flag() for hit in spot(((s.party, _at(s.start), s.text) for s in run.segments), keywords)]
    transcript.audio_seconds = round(run.audio_seconds, 3)
    transcript.processing_seconds = round(run.processing_seconds, 3)
    transcript.error, transcript.finished_at = None, now or utcnow()
    session.add_all(TranscriptSegment(transcript_id=transcript.id, party=s.party, start_seconds=_at(s.start),
                                      end_seconds=_at(s.end), text=s.text, confidence=s.confidence)
                    for s in run.segments)


def _at(seconds: float) -> float:
    """A time in the recording as stored: hundredths of a second."""
    return round(seconds, 2)


def mark_failed(transcript: Transcript, error: str, now: datetime | None = None) -> None:
    transcript.status, transcript.error, transcript.finished_at = "failed", error[:500], now or utcnow()


async def transcripts_of_call(session: AsyncSession, call_id: int) -> list[tuple[Transcript, list[TranscriptSegment]]]:
    """The call's transcripts (one per recording) with their segments in time order."""
    transcripts = (await session.scalars(select(Transcript).where(Transcript.call_id == call_id)
                                         .order_by(Transcript.recording_id))).all()
    if not transcripts:
        return []
    segments = (await session.scalars(select(TranscriptSegment)
                                      .where(TranscriptSegment.transcript_id.in_([t.id for t in transcripts]))
                                      .order_by(TranscriptSegment.start_seconds, TranscriptSegment.id))).all()
    return [(t, [s for s in segments if s.transcript_id == t.id]) for t in transcripts]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_matches(query: str):
    """SQL filter: transcripts whose text holds the query (CJK spaces ignored, case-insensitive)."""
    return func.lower(Transcript.text).like(f"%{escape_like(compact(query).lower())}%", escape="\\")


def snippet(text: str, query: str, width: int = 40) -> str:
    """The part of a transcript around the first match of query."""
    at = text.lower().find(compact(query).lower())
    if at < 0:
        return text[: width * 2]
    start = max(0, at - width)
    return ("…" if start else "") + text[start: at + len(query) + width] + ("…" if at + len(query) + width < len(text) else "")
