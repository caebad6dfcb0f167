"""What the FastAGI check needs from the worker: a routing hint and blocked-call records."""
from __future__ import annotations

import time

from agi_scripts.blocklist_check import choose_app
from calls.events import CallBlocked
from core.masking import mask_phone
from core.timeutil import utcnow
from ivr.lifecycle import Phase


class WorkerAgi:
    """What the FastAGI check needs from the worker: a routing hint and blocked-call records."""

    def __init__(self, worker) -> None:
        self.worker = worker

    async def route(self) -> str | None:
        w = self.worker
        live = await w.ownership.live_apps()
        if w.connected and w.own_app not in live:
            live.append(w.own_app)  # Redis flushed or restarted: we are live all the same
        app = choose_app(await w.ownership.loads(live), w.own_app if w.connected else None)
        if app is not None:
            await w.ownership.reserve(app)
        return app

    async def blocked(self, number: str, channel_id: str, reason: str) -> None:
        now = utcnow()
        call = await self.worker.records.create(
            channel_id=channel_id or f"agi-{time.time_ns()}", app="agi", node=self.worker.ownership.node,
            caller_number=number[:32], phase=Phase.ENDED.value,
            disposition="blocked", started_at=now, ended_at=now, ended_by="system")
        await self.worker.records.event(call.id, "blocked", detail={"reason": reason})
        await self.worker.publisher.calls.call_blocked(CallBlocked(
            call_id=call.id, caller_masked=mask_phone(number), reason=reason))
