"""Publishes the telephony domain events (ivr.messages) on the event bus, fire-and-forget:
a lost event costs a screen a reload, never a business fact (those are in the database)."""
from __future__ import annotations

import logging

from pydantic import BaseModel

from ivr.messages import TYPES
from realtime.bus import EventBus
from realtime.messages import Audience

log = logging.getLogger(__name__)
SUPERVISORS = ["supervisor", "admin"]
# A seat's state and not-ready reason reach only that seat's own desktop: supervisors watch
# seats on the wallboard, where `stats:seats` and the region scope apply (stats.service.visible_seats);
# the stats worker reads every event from the bus itself, whatever its audience.
SEAT_OWN_EVENTS = frozenset({"agent.state"})


class Notifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def publish(self, type_: str, message: BaseModel, *, agent_id: int | None = None,
                      broadcast: bool = True) -> None:
        """Publish one message; to everyone, or (broadcast=False) to the agent and supervisors;
        a seat's own events (SEAT_OWN_EVENTS) to that seat alone."""
        if not isinstance(message, TYPES[type_]):
            raise TypeError(f"{type_} carries {TYPES[type_].__name__}, not {type(message).__name__}")
        if type_ in SEAT_OWN_EVENTS:
            audience = Audience(user_ids=[message.agent_id])
        else:
            audience = Audience(all=True) if broadcast else Audience(
                user_ids=[agent_id] if agent_id else [], roles=SUPERVISORS)
        try:
            await self.bus.publish(type_, message.model_dump(mode="json"), audience=audience)
        except Exception:  # Redis down: the call goes on
            log.warning("event not published", extra={"event_type": type_}, exc_info=True)
