"""Fire-and-forget work off a call's critical path (events, a stray leg's hang-up)."""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()  # held here: the loop keeps only weak references

    def run(self, coro) -> None:
        task = asyncio.create_task(coro, name=getattr(coro, "__qualname__", None))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # never lost: said here, with its trace
            log.error("background task failed", extra={"task": task.get_name()}, exc_info=task.exception())
