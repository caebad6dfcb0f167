"""The transcription worker (`hotline transcribe`): after each call, its recording is claimed,
transcribed by the engine in a thread, and stored with timestamps and keyword flags. Claims
live in the database (several workers share the work; a dead worker's claim is taken over)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from models import Recording, Transcript
from recordings.service import absolute_path
from transcription.audio import UnsupportedAudio
from transcription.engine import SpeechEngine
from transcription.keywords import with_extra
from transcription.service import claim_next, mark_failed, run_engine, store_run

log = logging.getLogger(__name__)


@dataclass
class Transcribed:
    transcript_id: int
    call_id: int
    status: str
    flags: list[dict] = field(default_factory=list)


# what the composition root does with a flagged call (quality inspection draws it), in the same transaction
OnFlagged = Callable[[AsyncSession, Transcribed], Awaitable[None]]


async def transcribe_next(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, engine: SpeechEngine,
                          *, on_flagged: OnFlagged | None = None) -> Transcribed | None:
    """Claim, transcribe and store one recording; None when there is nothing to do."""
    async with sessionmaker() as db:
        transcript = await claim_next(db, max_attempts=settings.transcription.transcribe_max_attempts)
        if transcript is None:
            return None
        recording = await db.get(Recording, transcript.recording_id)
        transcript_id, recording_id, path = transcript.id, recording.id, absolute_path(settings, recording)
        await db.commit()
    try:
        run = await asyncio.to_thread(run_engine, engine, path)
        error = None
    except (UnsupportedAudio, OSError) as exc:
        run, error = None, f"{type(exc).__name__}: {exc}"
    async with sessionmaker() as db:
        transcript = await db.get(Transcript, transcript_id)
        if run is None:
            mark_failed(transcript, error or "unknown error")
            log.warning("recording not transcribed", extra={"recording_id": recording_id, "error": error})
        else:
            store_run(db, transcript, run, engine=engine, keywords=with_extra(settings.transcription.asr_keywords))
        outcome = Transcribed(transcript.id, transcript.call_id, transcript.status, list(transcript.flags))
        if outcome.flags and on_flagged is not None:
            await on_flagged(db, outcome)
        await db.commit()
    if run is not None:
        log.info("recording transcribed", extra={
            "recording_id": recording_id, "call_id": outcome.call_id, "segments": len(run.segments),
            "audio_seconds": round(run.audio_seconds, 2), "processing_seconds": round(run.processing_seconds, 2),
            "flags": [f["category"] for f in outcome.flags]})
    return outcome


async def run_worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, engine: SpeechEngine,
                     stop: asyncio.Event, *, on_flagged: OnFlagged | None = None) -> None:
    """Transcribe until stopped: back to back while there is work, then wait the interval."""
    while not stop.is_set():
        try:
            done = await transcribe_next(sessionmaker, settings, engine, on_flagged=on_flagged)
        except Exception:  # one failed recording must not end the worker
            log.exception("transcription failed")
            done = None
        if done is None:
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.transcription.transcribe_interval_seconds)
            except TimeoutError:
                pass
