"""The periodic re-check of stored recordings (R-17): every file is hashed again and compared
with the SHA-256 taken when it was filed. The result is kept on the row (`integrity` = ok |
mismatch | missing, `verified_at`); a mismatch or a missing file is also logged as an error and
written to the audit log (`recording_integrity_failed`). The scheduler runs one bounded batch
per pass (HOTLINE_RECORDINGS_VERIFY_BATCH), the recordings never or least recently checked
first, each again after HOTLINE_RECORDINGS_VERIFY_DAYS; several schedulers share the work
(rows another one holds are skipped)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.service import record
from core.settings import Settings
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from models import Recording
from recordings.audio import sha256_of
from recordings.service import absolute_path

log = logging.getLogger(__name__)
OK, MISMATCH, MISSING = "ok", "mismatch", "missing"


@dataclass
class IntegrityReport:
    checked: int = 0
    mismatched: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def check_file(path: Path, sha256: str) -> str:
    """ok, mismatch or missing (pure apart from reading the file)."""
    try:
        return OK if sha256_of(path) == sha256 else MISMATCH
    except FileNotFoundError:
        return MISSING


def due(now: datetime, every_days: float, batch: int):
    """The recordings to check now: never checked, or not within every_days; oldest check first."""
    query = (select(Recording)
             .where(or_(Recording.verified_at.is_(None), Recording.verified_at < now - timedelta(days=every_days)))
             .order_by(Recording.verified_at.asc().nulls_first(), Recording.id).limit(batch))
    return query


async def verify_recordings(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                            now: datetime | None = None) -> IntegrityReport:
    """One batch of re-checks, in one unit of work."""
    now = now or utcnow()
    report = IntegrityReport()
    async with UnitOfWork(sessionmaker()) as uow:
        session = uow.session
        query = due(now, settings.recordings.recordings_verify_days, settings.recordings.recordings_verify_batch)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for recording in (await session.scalars(query)).all():
            result = await asyncio.to_thread(check_file, absolute_path(settings, recording), recording.sha256)
            recording.integrity, recording.verified_at = result, now
            report.checked += 1
            if result == OK:
                continue
            (report.mismatched if result == MISMATCH else report.missing).append(recording.id)
            log.error("recording failed its integrity check", extra={
                "recording_id": recording.id, "call_id": recording.call_id, "result": result, "path": recording.path})
            await record(session, action="recording_integrity_failed", actor_id=None, actor_username="system",
                         resource_type="recording", resource_id=recording.id,
                         detail={"result": result, "call_id": recording.call_id, "path": recording.path})
    if report.checked:
        log.info("recordings verified", extra={"checked": report.checked, "mismatched": len(report.mismatched),
                                               "missing": len(report.missing)})
    return report
