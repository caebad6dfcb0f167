"""Recordings kept safely (R-17): the database itself refuses to delete a recording's row
before its retention date (PostgreSQL and the embedded SQLite), and a periodic job re-hashes
the stored files and reports those that changed or vanished."""
from __future__ import annotations

import sqlite3
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from cli.scheduler import run_scheduler_pass
from core.migrate import upgrade
from core.timeutil import utcnow
from models import AuditEvent, Call, Recording
from recordings.audio import sha256_of
from recordings.tasks import verify_recordings


async def _recording(session, *, retain_until, legal_hold=False, path="2026/01/01/x.wav", sha256="0" * 64):
    call = Call(channel_id=f"integrity-{utcnow().timestamp()}-{path}", app="a", node="n",
                caller_number="13800000000", phase="ended", started_at=utcnow())
    session.add(call)
    await session.flush()
    recording = Recording(call_id=call.id, path=path, sha256=sha256, retain_until=retain_until,
                          legal_hold=legal_hold, started_at=utcnow())
    session.add(recording)
    await session.flush()
    return recording


async def test_postgres_keeps_a_recording_until_its_retention_date(session):
    kept = await _recording(session, retain_until=utcnow() + timedelta(days=700))
    held = await _recording(session, retain_until=utcnow() - timedelta(days=1), legal_hold=True, path="h.wav")
    due = await _recording(session, retain_until=utcnow() - timedelta(days=1), path="d.wav")
    for recording in (kept, held):
        with pytest.raises(DBAPIError, match="retained until"):
            async with session.begin_nested():
                await session.execute(delete(Recording).where(Recording.id == recording.id))
    with pytest.raises(DBAPIError, match="never shortened"):
        async with session.begin_nested():
            await session.execute(update(Recording).where(Recording.id == kept.id)
                                  .values(retain_until=utcnow() - timedelta(days=1)))
    with pytest.raises(DBAPIError, match="never shortened"):
        async with session.begin_nested():
            await session.execute(update(Recording).where(Recording.id == kept.id).values(sha256="f" * 64))
    with pytest.raises(DBAPIError, match="deleted one by one"):
        async with session.begin_nested():
            await session.execute(text("TRUNCATE recordings CASCADE"))
    async with session.begin_nested():  # lengthening, releasing a hold, noting a check: allowed
        await session.execute(update(Recording).where(Recording.id == kept.id)
                              .values(retain_until=utcnow() + timedelta(days=900), integrity="ok",
                                      verified_at=utcnow()))
        await session.execute(update(Recording).where(Recording.id == held.id).values(legal_hold=False))
    async with session.begin_nested():  # past its date: it may go
        await session.execute(delete(Recording).where(Recording.id == due.id))
    remaining = set((await session.scalars(select(Recording.id).where(
        Recording.id.in_([kept.id, held.id, due.id])))).all())
    assert remaining == {kept.id, held.id}


def test_sqlite_keeps_a_recording_until_its_retention_date(tmp_path):
    database = tmp_path / "hotline.db"
    upgrade(f"sqlite+aiosqlite:///{database}")
    future = (utcnow() + timedelta(days=700)).strftime("%Y-%m-%d %H:%M:%S.%f")
    past = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores them
    with sqlite3.connect(database) as db:
        for id_, until, hold in ((1, future, 0), (2, past, 1), (3, past, 0)):
            db.execute("INSERT INTO recordings (id, call_id, path, format, duration_seconds, size_bytes, sha256, "
                       "created_at, retain_until, legal_hold) VALUES (?, 1, 'x.wav', 'wav', 1, 1, ?, ?, ?, ?)",
                       (id_, "0" * 64, past, until, hold))
        for id_ in (1, 2):
            with pytest.raises(sqlite3.IntegrityError, match="retained until"):
                db.execute("DELETE FROM recordings WHERE id = ?", (id_,))
        with pytest.raises(sqlite3.IntegrityError, match="never shortened"):
            db.execute("UPDATE recordings SET retain_until = ? WHERE id = 1", (past,))
        db.execute("DELETE FROM recordings WHERE id = 3")
        assert [r[0] for r in db.execute("SELECT id FROM recordings ORDER BY id")] == [1, 2]


def _wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x02" * 8000)
    return path


async def test_the_periodic_check_reports_changed_and_missing_recordings(resources, settings, tmp_path):
    local = settings.replace(recordings_dir=tmp_path, recordings_verify_batch=10_000)
    intact, tampered = _wav(tmp_path / "a/intact.wav"), _wav(tmp_path / "a/tampered.wav")
    until = utcnow() + timedelta(days=731)
    async with resources.sessionmaker() as session:
        rows = [await _recording(session, retain_until=until, path="a/intact.wav", sha256=sha256_of(intact)),
                await _recording(session, retain_until=until, path="a/tampered.wav", sha256=sha256_of(tampered)),
                await _recording(session, retain_until=until, path="a/gone.wav", sha256="1" * 64)]
        await session.commit()
    ids = [r.id for r in rows]
    data = bytearray(tampered.read_bytes())  # one byte of audio changed on disk
    data[100] ^= 0xFF
    tampered.write_bytes(bytes(data))

    report = await verify_recordings(resources.sessionmaker, local)
    assert ids[1] in report.mismatched and ids[2] in report.missing
    assert ids[0] not in report.mismatched + report.missing
    async with resources.sessionmaker() as session:
        found = {r.id: (r.integrity, r.verified_at is not None) for r in
                 (await session.scalars(select(Recording).where(Recording.id.in_(ids)))).all()}
        audited = (await session.scalars(select(AuditEvent).where(
            AuditEvent.action == "recording_integrity_failed", AuditEvent.resource_id.in_([str(i) for i in ids])))).all()
    assert found == {ids[0]: ("ok", True), ids[1]: ("mismatch", True), ids[2]: ("missing", True)}
    assert {(a.resource_id, a.detail["result"]) for a in audited} == {(str(ids[1]), "mismatch"),
                                                                     (str(ids[2]), "missing")}

    again = await verify_recordings(resources.sessionmaker, local)  # checked just now: not due
    assert not set(ids) & set(again.mismatched + again.missing)
    later = await run_scheduler_pass(resources.sessionmaker, resources.redis, local,
                                     now=utcnow() + timedelta(days=local.recordings.recordings_verify_days + 1))
    assert ids[1] in later.recordings.mismatched and ids[2] in later.recordings.missing  # part of the pass
