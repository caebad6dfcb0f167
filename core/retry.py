"""Work that must happen, retried until it has (R-01): ending a call survives a Redis blip or
a database error instead of leaving the call open, the agent busy or the recording unfiled.

Each attempt is bounded (a hung dependency fails the attempt instead of holding it for ever),
failures are logged with their traceback, and the pause between attempts doubles up to a
ceiling. `until_done` retries until success (only cancellation — the process stopping —
ends it); `at_most` gives up after a number of attempts, logs that, and returns None.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPT_TIMEOUT = 15.0
BACKOFF_START, BACKOFF_MAX = 0.2, 5.0


class GaveUp(Exception):
    """`at_most` ran out of attempts (the last failure is its cause, and was logged)."""


async def _attempts(operation: Callable[[], Awaitable[T]], *, what: str, attempt_timeout: float,
                    attempts: int | None, context: dict[str, Any] | None) -> T:
    backoff, attempt = BACKOFF_START, 0
    while True:
        attempt += 1
        try:
            return await asyncio.wait_for(operation(), attempt_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            extra = {**(context or {}), "work": what, "attempt": attempt}
            if attempts is not None and attempt >= attempts:
                log.exception("work failed; giving up", extra=extra)
                raise GaveUp(what) from exc
            log.warning("work failed; retrying", extra={**extra, "retry_in": backoff}, exc_info=True)
        await asyncio.sleep(backoff)  # the backoff itself, not a wait for an event
        backoff = min(backoff * 2, BACKOFF_MAX)


async def until_done(operation: Callable[[], Awaitable[T]], *, what: str, attempt_timeout: float = ATTEMPT_TIMEOUT,
                     context: dict[str, Any] | None = None) -> T:
    """The result of `operation()`, retried with backoff until an attempt succeeds."""
    return await _attempts(operation, what=what, attempt_timeout=attempt_timeout, attempts=None, context=context)


async def at_most(attempts: int, operation: Callable[[], Awaitable[T]], *, what: str,
                  attempt_timeout: float = ATTEMPT_TIMEOUT, context: dict[str, Any] | None = None) -> T | None:
    """The result of `operation()` within `attempts` tries, else None (the failure logged)."""
    try:
        return await _attempts(operation, what=what, attempt_timeout=attempt_timeout, attempts=attempts,
                               context=context)
    except GaveUp:
        return None
