"""Events of accounts on the event bus (events.bus; see events.envelope for the envelope)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from events.bus import EventBus
from events.envelope import SESSION_REVOKED, people


class SessionRevoked(BaseModel):
    """session.revoked — a user's sessions are revoked (disabled, password, role or unit changed):
    every socket of theirs, in whatever API process, closes at once; never shown to a browser."""
    TYPE: ClassVar[str] = SESSION_REVOKED
    user_id: int
    reasons: list[str]


EVENTS: tuple[type[BaseModel], ...] = (SessionRevoked,)


class AccountNotifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def session_revoked(self, event: SessionRevoked) -> None:
        """To the person's own sockets; raised when Redis is away (the caller retries, then logs)."""
        await self.bus.publish(event.TYPE, event.model_dump(mode="json"), audience=people(event.user_id))
