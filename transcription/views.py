"""Transcripts turned into their API shape."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from transcription.schemas import SegmentOut, TranscriptOut
from transcription.service import transcripts_of_call


async def call_transcripts(session: AsyncSession, call_id: int) -> list[TranscriptOut]:
    return [TranscriptOut(id=t.id, recording_id=t.recording_id, status=t.status, engine=t.engine, model=t.model,
                          parties=list(t.parties or []), flags=list(t.flags or []), error=t.error,
                          segments=[SegmentOut(party=s.party, start=s.start_seconds, end=s.end_seconds, text=s.text,
                                               confidence=s.confidence) for s in segments])
            for t, segments in await transcripts_of_call(session, call_id)]
