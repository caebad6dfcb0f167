"""Publishes the telephony domain events (ivr.messages) on the event bus, fire-and-forget:
a lost event costs a screen a reload, never a business fact (those are in the database).

Every event but queue.stats is regional (R-31): it reaches supervisors (and, broadcast, every
desktop) only where their organisation scope covers the call's or the agent's region; the
seats named in it always get it."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import BaseModel

from ivr.messages import TYPES
from realtime.bus import EventBus
from realtime.messages import Audience

log = logging.getLogger(__name__)
SUPERVISORS = ["supervisor", "admin"]
# aggregate figures of the province-wide queues: no caller, no call, nothing regional
UNSCOPED_TYPES = ("queue.stats",)
# A seat's state and not-ready reason reach only that seat's own desktop: supervisors watch
# seats on the wallboard, where `stats:seats` and the region scope apply (stats.service.visible_seats);
# the stats worker reads every event from the bus itself, whatever its audience.
SEAT_OWN_EVENTS = frozenset({"agent.state"})


def audience_for(type_: str, *, agent_id: int | None = None, user_ids: Iterable[int] = (), broadcast: bool = True,
                 region_code: str | None = None) -> Audience:
    """Everyone (broadcast) or the named seats and supervisors, limited to the region's scope."""
    named = sorted({*(u for u in user_ids if u), *([agent_id] if agent_id else [])})
    return Audience(all=broadcast, user_ids=named, roles=[] if broadcast else SUPERVISORS,
                    regional=type_ not in UNSCOPED_TYPES, region_code=region_code)


class Notifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def publish(self, type_: str, message: BaseModel, *, agent_id: int | None = None,
                      user_ids: Iterable[int] = (), broadcast: bool = True, region_code: str | None = None) -> None:
        """Publish one message; to everyone, or (broadcast=False) to the agent (and user_ids) and
        supervisors — within the region's scope (see audience_for); a seat's own events
        (SEAT_OWN_EVENTS) to that seat alone."""
        if not isinstance(message, TYPES[type_]):
            raise TypeError(f"{type_} carries {TYPES[type_].__name__}, not {type(message).__name__}")
        if type_ in SEAT_OWN_EVENTS:
            audience = Audience(user_ids=[message.agent_id])
        else:
            audience = audience_for(type_, agent_id=agent_id, user_ids=user_ids, broadcast=broadcast,
                                    region_code=region_code)
        try:
            await self.bus.publish(type_, message.model_dump(mode="json"), audience=audience)
        except Exception:  # Redis down: the call goes on
            log.warning("event not published", extra={"event_type": type_}, exc_info=True)
