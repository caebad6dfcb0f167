"""The transcription worker against the database: a stored recording is claimed, transcribed
by the real engine and kept with timestamps; a keyword spotted in it draws the call for
inspection (the composition `hotline transcribe` runs); a missing file fails and is kept."""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from cli.transcribe import flag_for_inspection
from core.timeutil import utcnow
from models import Call, QualitySample, Recording, Transcript, TranscriptSegment, User
from recordings.audio import sha256_of
from transcription.keywords import with_extra
from transcription.tasks import transcribe_next
from transcription.vosk_engine import VoskEngine

from .speech import HELLO, PHRASES, THANKS, concat, require_speech, say, silence


async def _call_with_recording(session, settings, wav) -> tuple[Call, Recording]:
    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    now = utcnow() - timedelta(minutes=3)
    call = Call(channel_id=f"tw-{now.timestamp()}", app="hotline", node="n", caller_number="13800000000",
                phase="ended", disposition="answered", agent_id=agent.id, region_code="510100", started_at=now,
                answered_at=now, ended_at=now + timedelta(minutes=1))
    session.add(call)
    await session.flush()
    relative = f"tw/call-{call.id}.wav"
    target = settings.recordings.recordings_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if wav is not None:
        shutil.copy(wav, target)
    recording = Recording(call_id=call.id, path=relative, sha256=sha256_of(target) if wav else "0" * 64,
                          started_at=now, retain_until=now + timedelta(days=731))
    session.add(recording)
    await session.commit()
    return call, recording


async def test_a_recording_is_transcribed_and_a_keyword_flags_its_call(resources, session, tmp_path):
    engine = VoskEngine(require_speech(), grammar=PHRASES)
    wav = concat([say(HELLO, tmp_path / "a.wav"), silence(1.5, tmp_path / "g.wav"), say(THANKS, tmp_path / "b.wav")],
                 tmp_path / "call.wav")
    call, recording = await _call_with_recording(session, resources.settings, wav)
    # an operator's own keyword (HOTLINE_ASR_KEYWORDS): here the Korean test phrase counts as a complaint
    settings = resources.settings.replace(asr_keywords=f"complaint={THANKS}")
    done = await transcribe_next(resources.sessionmaker, settings, engine, on_flagged=flag_for_inspection)
    assert done is not None and done.call_id == call.id and done.status == "done"
    transcript = await session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
    await session.refresh(transcript)
    assert (transcript.engine, transcript.parties) == ("vosk", ["mixed"])
    assert HELLO in transcript.text and THANKS in transcript.text
    assert transcript.audio_seconds > 2 and transcript.processing_seconds > 0
    segments = (await session.scalars(select(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript.id)
                                      .order_by(TranscriptSegment.start_seconds))).all()
    assert [set(s.text.split()) for s in segments] == [{HELLO}, {THANKS}]
    assert segments[0].end_seconds <= segments[1].start_seconds
    assert [(f["category"], f["keyword"]) for f in transcript.flags] == [("complaint", THANKS)]
    assert transcript.flags[0]["start"] == segments[1].start_seconds
    sample = await session.scalar(select(QualitySample).where(QualitySample.call_id == call.id))
    assert sample is not None and (sample.reason, sample.status) == ("keyword", "pending")
    # done is done: the next claim never takes this recording again (the run's shared database may
    # hold other tests' committed recordings, which it may take instead)
    again = await transcribe_next(resources.sessionmaker, settings, engine)
    assert again is None or again.call_id != call.id
    kept = (await session.scalars(select(Transcript).where(Transcript.recording_id == recording.id))).all()
    assert [t.status for t in kept] == ["done"]


async def test_a_missing_file_fails_and_is_kept(resources, session):
    engine = VoskEngine(require_speech(), grammar=PHRASES)
    _, recording = await _call_with_recording(session, resources.settings, None)
    done = await transcribe_next(resources.sessionmaker, resources.settings, engine)
    assert done is not None and done.status == "failed"
    transcript = await session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
    await session.refresh(transcript)
    assert transcript.error and transcript.attempts == 1 and transcript.text == ""


def test_operator_keywords_extend_the_built_in_ones():
    merged = with_extra("abuse=蠢货|饭桶; rumour=谣言")
    assert "蠢货" in merged["abuse"] and "傻逼" in merged["abuse"] and merged["rumour"] == ("谣言",)
    with pytest.raises(ValueError):
        with_extra("no-equals-sign")
