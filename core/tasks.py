"""Stopping an asyncio task for certain, within a bound.

In Python 3.11 `asyncio.wait_for` returns its inner result and drops a cancellation that arrives
in the same loop iteration as that result (bpo-42130, fixed in 3.12). redis-py sends every
command through `wait_for`, so a task busy with Redis can lose a `cancel()` and run on — and
whoever awaits it after one `cancel()` waits forever. `cancel_and_wait` cancels again until the
task has ended, and gives up after `timeout`.
"""
from __future__ import annotations

import asyncio

RECANCEL_SECONDS = 1.0  # a task that outlives its cancel() this long lost it: cancel it again


async def cancel_and_wait(task: asyncio.Task, *, timeout: float, recancel: float = RECANCEL_SECONDS) -> bool:
    """Cancel task (again every `recancel` seconds while it runs on) until it has ended, at most
    `timeout` seconds; True when it ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(recancel, remaining))
    return True


async def stop_tasks(tasks, *, timeout: float) -> list[asyncio.Task]:
    """cancel_and_wait every task at once; the ones still running after `timeout` (logged by the
    caller, if it cares) are returned."""
    tasks = [t for t in tasks if t is not None]
    ended = await asyncio.gather(*(cancel_and_wait(t, timeout=timeout) for t in tasks))
    return [t for t, done in zip(tasks, ended, strict=True) if not done]
