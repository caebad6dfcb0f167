"""Events of the PBX on the event bus (events.bus; see events.envelope for the envelope)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from events.bus import EventBus
from events.envelope import Audience
from pbx.seat_secrets import SEAT_SECRETS_CHANGED


class SeatSecretsChanged(BaseModel):
    """pbx.seat_secrets_changed — a seat's SIP secret was rotated: every ARI worker re-renders the
    seats' auth objects and reloads res_pjsip (pbx.seat_secrets.apply). Never sent to a browser."""
    TYPE: ClassVar[str] = SEAT_SECRETS_CHANGED
    extension: str


EVENTS: tuple[type[BaseModel], ...] = (SeatSecretsChanged,)


class PbxNotifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def seat_secrets_changed(self, event: SeatSecretsChanged) -> None:
        """To the workers only (no audience); raised when Redis is away (the caller retries, then logs)."""
        await self.bus.publish(event.TYPE, event.model_dump(mode="json"), audience=Audience())
