"""`hotline transcribe` as it runs (cli.transcribe.run_transcriber, what `hotline up` starts):
the model from HOTLINE_ASR_MODEL_DIR, its own connections, a recording committed by someone
else transcribed within a bounded wait, then a clean stop. Without a model it idles until
stopped. (Here, beside the workbench tests: they share a database whose commits are real.)"""
from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta

from sqlalchemy import select

from cli.transcribe import run_transcriber
from core.timeutil import utcnow
from models import Call, Recording, Transcript, User
from recordings.audio import sha256_of
from tests.transcription.speech import THANKS, require_speech, say


async def test_the_worker_transcribes_what_is_recorded_and_stops(workbench_resources, tmp_path):
    model = require_speech()
    resources = workbench_resources
    settings = resources.settings.replace(asr_model_dir=model, transcribe_interval_seconds=0.2)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_transcriber(settings, stop))
    try:
        async with resources.sessionmaker() as db:
            agent = await db.scalar(select(User).where(User.username == "agent1002"))
            now = utcnow()
            call = Call(channel_id=f"worker-{now.timestamp()}", app="hotline", node="n", caller_number="13800000001",
                        phase="ended", disposition="answered", agent_id=agent.id, region_code="510100",
                        started_at=now, answered_at=now, ended_at=now + timedelta(seconds=30))
            db.add(call)
            await db.flush()
            target = settings.recordings.recordings_dir / f"worker/call-{call.id}.wav"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(say(THANKS, tmp_path / "t.wav"), target)
            recording = Recording(call_id=call.id, path=f"worker/call-{call.id}.wav", sha256=sha256_of(target),
                                  started_at=now, retain_until=now + timedelta(days=731))
            db.add(recording)
            await db.commit()
            recording_id = recording.id
        async with asyncio.timeout(120):  # model load and one short recording
            while True:
                async with resources.sessionmaker() as db:
                    status = await db.scalar(select(Transcript.status).where(Transcript.recording_id == recording_id))
                if status == "done":
                    break
                assert not worker.done(), worker
                await asyncio.sleep(0.2)  # polling the database for the worker's result, bounded above
        async with resources.sessionmaker() as db:
            transcript = await db.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
        assert transcript.engine == "vosk" and transcript.model == model.name and transcript.audio_seconds > 0.5
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=30)


async def test_without_a_model_the_worker_idles_until_stopped(workbench_resources):
    stop = asyncio.Event()
    worker = asyncio.create_task(run_transcriber(workbench_resources.settings.replace(asr_model_dir=None), stop))
    await asyncio.sleep(0)  # let it start: it must not end by itself
    assert not worker.done()
    stop.set()
    await asyncio.wait_for(worker, timeout=5)
