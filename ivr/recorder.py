"""A call's recording after the call: wait until Asterisk closed the file, then file it with
its row (recordings.service) and tell the call's seats it is ready."""
from __future__ import annotations

import asyncio
import logging

from calls.events import RecordingReady
from core.settings import Settings
from ivr.publishing import Publisher
from ivr.services import CallServices
from models import Call
from recordings.service import remove_spool_file, store_recording

log = logging.getLogger(__name__)
RECORDING_WAIT_SECONDS = 5.0


class Recorder:
    def __init__(self, settings: Settings, sessionmaker, calls: CallServices, publisher: Publisher) -> None:
        self.settings, self.sessionmaker, self.calls, self.publisher = settings, sessionmaker, calls, publisher
        self._waiters: dict[str, asyncio.Future] = {}

    def finished_waiter(self, name: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiters[name] = future
        return future

    def finished(self, name: str, kind: str) -> None:
        """RecordingFinished or RecordingFailed of `name` came in."""
        waiter = self._waiters.pop(name, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(kind)

    async def wait(self, future: asyncio.Future | None, name: str) -> None:
        """Until Asterisk closed the file (bounded; a resumed call has no waiter: bridge gone)."""
        if future is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(future), RECORDING_WAIT_SECONDS)
        except TimeoutError:
            log.warning("no RecordingFinished event", extra={"recording": name})
        finally:
            self._waiters.pop(name, None)

    async def store(self, call_id: int, name: str, started_at, seats: tuple[int | None, ...] = ()) -> int | None:
        """File the recording with its row; the spool file goes only once the row is committed
        (a failed commit leaves it for the retry). Safe to run again (R-17). `recording.ready`
        goes only to the call's seats and its region's supervisors (R-17, R-25)."""
        async with self.sessionmaker() as db:
            call = await db.get(Call, call_id)
            recording = await store_recording(db, settings=self.settings, name=name, call_id=call_id,
                                              started_at=started_at or (call.answered_at if call else None))
            if recording is None:
                return None
            await db.commit()
        remove_spool_file(self.settings, name)
        await self.calls.delete_stored(name)
        await self.publisher.calls.recording_ready(RecordingReady(
            recording_id=recording.id, call_id=call_id, duration_seconds=recording.duration_seconds),
            seats=(call.agent_id if call else None, *seats), region_code=call.region_code if call else None)
        return recording.id
