"""One unit of work per request or job: one session, one commit, events published after it.

Services and endpoints change things through `uow.session` and only flush; they report what
happened with `uow.emit(...)` (through a typed notifier such as workorders.events). The unit of
work then either

- commits: the collected events are written as outbox rows in the same transaction, the
  transaction commits, the events are published on the bus and marked published, and the
  after-commit hooks run (work outside the database that must follow a durable change:
  ending sessions, waking a worker, bumping a cache token); or
- rolls back (an exception left the block): nothing is written and nothing is published.

A publication that fails after the commit is not an error of the request: the outbox row stays
unpublished and events.outbox.relay_pending delivers it later.

    async with UnitOfWork(sessionmaker(), bus) as uow:
        ...                              # commit on a normal exit, rollback on an exception
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from events import outbox
from events.bus import EventBus
from events.envelope import Audience, data_for_audience
from events.outbox import PendingEvent

log = logging.getLogger(__name__)
AfterCommit = Callable[[], Awaitable[Any]]


class UnitOfWork:
    def __init__(self, session: AsyncSession, bus: EventBus | None = None) -> None:
        self.session = session
        self.bus = bus  # None: the events stay in the outbox for the relay (e.g. a CLI without Redis)
        self._events: list[PendingEvent] = []
        self._after_commit: list[AfterCommit] = []
        self._kept: BaseException | None = None

    @property
    def pending_events(self) -> list[PendingEvent]:
        """The events collected so far (published only if the unit of work commits)."""
        return list(self._events)

    def emit(self, type_: str, data: dict[str, Any], *, audience: Audience) -> None:
        """Collect one event; it is published after, and only if, the commit succeeds."""
        self._events.append(PendingEvent(type=type_, data=data_for_audience(data, audience), audience=audience))

    def after_commit(self, hook: AfterCommit) -> None:
        """Run hook once the commit succeeded (never after a rollback)."""
        self._after_commit.append(hook)

    def keep_despite(self, error: BaseException) -> BaseException:
        """Commit what was written even though error ends the request (a refusal that must leave a
        trace: a failed login, a refused outside call). Returns error, for `raise uow.keep_despite(e)`."""
        self._kept = error
        return error

    async def commit(self) -> None:
        """Write the events to the outbox, commit, publish them, run the after-commit hooks."""
        events, self._events = self._events, []
        hooks, self._after_commit = self._after_commit, []
        ids = await outbox.write(self.session, events) if events else []
        await self.session.commit()
        if ids and self.bus is not None:
            try:
                await outbox.publish_committed(self.session, self.bus, ids)
            except Exception:  # committed all the same: the relay publishes the rows later
                log.warning("events committed but not published; left for the relay", exc_info=True)
                await self.session.rollback()
        for hook in hooks:
            await hook()

    async def rollback(self) -> None:
        """Discard every change, event and hook collected so far; the session stays usable."""
        self._events.clear()
        self._after_commit.clear()
        await self.session.rollback()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        try:
            if exc is None or exc is self._kept:
                await self.commit()
            else:
                await self.rollback()
        finally:
            await self.session.close()
