"""Storing call recordings (R-17): the finished file is copied from Asterisk's spool into
HOTLINE_RECORDINGS_DIR/YYYY/MM/DD/, hashed (SHA-256), measured, and given a retention date
at least two years ahead (HOTLINE_RECORDINGS_RETENTION_DAYS); the spool file is removed
only once the row is committed."""
from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.private_files import open_private, private_dirs
from core.settings import Settings
from core.timeutil import business_time, utcnow
from models import Recording
from pbx import recordings_host_dir
from recordings.audio import sha256_of, wav_duration

log = logging.getLogger(__name__)
MIN_RETENTION_DAYS = 731  # at least two years, whatever is configured


@dataclass(frozen=True)
class StoredFile:
    relative_path: str
    size_bytes: int
    sha256: str
    duration_seconds: float


def retention_until(started_at: datetime, days: int) -> datetime:
    return started_at + timedelta(days=max(days, MIN_RETENTION_DAYS))


def spool_file(settings: Settings, name: str) -> Path:
    """Host path of an ARI stored recording `name` (Asterisk's spool/recording/<name>.wav)."""
    return Path(recordings_host_dir(settings)) / f"{name}.wav"


def stored_path(started_at: datetime, call_id: int) -> str:
    """Where a call's recording lives in the store, relative to HOTLINE_RECORDINGS_DIR (the
    same for every attempt to file it)."""
    day = business_time(started_at)
    return str(Path(f"{day:%Y}/{day:%m}/{day:%d}") / f"call-{call_id}-{day:%H%M%S}.wav")


def copy_into_store(source: Path, recordings_dir: Path, relative: str) -> StoredFile:
    """Copy a finished recording into the store (atomically: a partial file never has the
    final name). The spool file stays until the row is committed (remove_spool_file)."""
    target = recordings_dir / relative
    # callers' voices: directories 0700, files 0600, never readable by other users (R-17, R-35)
    private_dirs(recordings_dir, Path(relative).parent)
    partial = target.with_suffix(".part")
    with open(source, "rb") as src, os.fdopen(open_private(partial), "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(partial, target)
    return StoredFile(relative, target.stat().st_size, sha256_of(target), wav_duration(target))


def remove_spool_file(settings: Settings, name: str) -> None:
    """After the recording's row is committed: Asterisk's copy is no longer needed."""
    spool_file(settings, name).unlink(missing_ok=True)


async def wait_for_file(path: Path, timeout: float = 5.0) -> bool:
    """Bounded wait for Asterisk to have written the file."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not path.exists():
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)  # polling the file system, bounded by the deadline
    return True


async def store_recording(session: AsyncSession, *, settings: Settings, name: str, call_id: int,
                          started_at: datetime | None) -> Recording | None:
    """Copy the spool file `name` into the store and add its row, flushed, not committed (None
    if there is no file). Run again after a failed commit it files the same file under the
    same row; a row already committed is returned as it is."""
    started = started_at or utcnow()
    relative = stored_path(started, call_id)
    filed = await session.scalar(select(Recording).where(Recording.call_id == call_id, Recording.path == relative))
    if filed is not None:
        return filed
    source = spool_file(settings, name)
    if not await wait_for_file(source):
        log.warning("recording file missing", extra={"call_id": call_id, "recording": name})
        return None
    stored = await asyncio.to_thread(copy_into_store, source, Path(settings.recordings.recordings_dir), relative)
    recording = Recording(call_id=call_id, path=stored.relative_path, format="wav",
                          duration_seconds=stored.duration_seconds, size_bytes=stored.size_bytes,
                          sha256=stored.sha256, started_at=started,
                          retain_until=retention_until(started, settings.recordings.recordings_retention_days))
    session.add(recording)
    await session.flush()
    return recording


def absolute_path(settings: Settings, recording: Recording) -> Path:
    return Path(settings.recordings.recordings_dir) / recording.path
