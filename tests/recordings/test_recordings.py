"""Recordings (R-17): stored out of Asterisk's spool with SHA-256 and duration, kept at least
two years; played back only by those who may hear the call (calls.visibility), every playback
audited."""
from __future__ import annotations

import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audit.service import search_query
from core.timeutil import utcnow
from models import Call, Recording
from recordings.audio import sha256_of, wav_duration, wav_rms
from recordings.service import copy_into_store, retention_until, store_recording, stored_path
from tests.conftest import login


def _wav(path: Path, seconds: float, amplitude: int = 3000) -> Path:
    import math
    import struct

    frames = b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 400 * n / 8000)))
                      for n in range(int(seconds * 8000)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)
    return path


def test_retention_is_at_least_two_years_whatever_is_configured():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert retention_until(start, 30) - start == timedelta(days=731)
    assert retention_until(start, 3650) - start == timedelta(days=3650)


def test_copy_into_store_hashes_and_measures(tmp_path):
    source = _wav(tmp_path / "spool.wav", 2.0)
    digest = sha256_of(source)
    relative = stored_path(datetime(2026, 11, 27, 3, 0, tzinfo=UTC), call_id=42)
    stored = copy_into_store(source, tmp_path / "store", relative)
    assert stored.relative_path == "2026/11/27/call-42-110000.wav"  # business date and time (+08:00)
    assert stored.sha256 == digest and abs(stored.duration_seconds - 2.0) < 0.01
    assert (tmp_path / "store" / stored.relative_path).is_file()
    assert source.exists()  # the spool file goes only once the row is committed (the worker's job)
    assert wav_rms(tmp_path / "store" / stored.relative_path) > 1000
    assert wav_duration(tmp_path / "missing.wav") == 0.0


async def test_store_recording_row_and_playback_audit(client, session, settings, monkeypatch, tmp_path):
    from recordings import service

    spool = tmp_path / "spool"
    spool.mkdir()
    _wav(spool / "call-x.wav", 1.5)
    monkeypatch.setattr(service, "spool_file", lambda s, name: spool / f"{name}.wav")
    call = Call(channel_id="rec-test-1", app="a", node="n", caller_number="13800000000", phase="ended",
                started_at=utcnow())
    session.add(call)
    await session.flush()
    recording = await store_recording(session, settings=settings, name="call-x", call_id=call.id,
                                      started_at=utcnow())
    await session.commit()
    assert recording.retain_until - recording.started_at >= timedelta(days=731)
    sup = await login(client, "supervisor")
    meta = (await client.get(f"/api/v1/recordings/{recording.id}", headers=sup)).json()
    assert meta["sha256"] == recording.sha256 and meta["legal_hold"] is False
    audio = await client.get(f"/api/v1/recordings/{recording.id}/audio", headers=sup)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert len(audio.content) == recording.size_bytes
    played = (await session.scalars(search_query(action="recording_played", resource_id=str(recording.id)))).all()
    assert played and played[0].actor_username == "supervisor"
    hold = await client.put(f"/api/v1/recordings/{recording.id}/legal-hold", json={"legal_hold": True}, headers=sup)
    assert hold.status_code == 200 and hold.json()["legal_hold"] is True
    expert = await login(client, "expert2001")
    # an expert seat that was not on the call: no hint the recording exists
    assert (await client.get(f"/api/v1/recordings/{recording.id}/audio", headers=expert)).status_code == 404
    assert (await client.get("/api/v1/recordings/999999", headers=sup)).status_code == 404


async def test_missing_file_is_not_a_500(client, session):
    call = Call(channel_id="rec-test-2", app="a", node="n", caller_number="1", phase="ended", started_at=utcnow())
    session.add(call)
    await session.flush()
    recording = Recording(call_id=call.id, path="nowhere.wav", sha256="0" * 64, retain_until=utcnow())
    session.add(recording)
    await session.commit()
    response = await client.get(f"/api/v1/recordings/{recording.id}/audio", headers=await login(client, "supervisor"))
    assert response.status_code == 404
