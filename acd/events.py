"""Events of the ACD on the event bus (events.bus; see events.envelope for the envelope):
a seat's state and the queues' live figures. Published fire-and-forget by AcdNotifier: a lost
event costs a screen a reload, never a business fact (those are in the database or the ACD's
shared state).

    {"type": "<TYPE>", "at": "<ISO 8601>", "data": {<fields of the model>}, "audience": {...}}
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from acd.store import AgentRecord
from events.bus import EventBus
from events.envelope import everyone, people


class AgentStateChanged(BaseModel):
    """agent.state — an agent's ACD state changed."""
    TYPE: ClassVar[str] = "agent.state"
    agent_id: int
    username: str
    extension: str
    state: str  # logged_out | ready | not_ready | ringing | on_call | wrap_up
    reason: str = ""
    call_id: int | None = None
    pending_state: str = ""

    @classmethod
    def of(cls, agent: AgentRecord) -> AgentStateChanged:
        """The event of the agent's state as the ACD holds it now."""
        return cls(agent_id=agent.user_id, username=agent.username, extension=agent.extension,
                   state=agent.state.state, reason=agent.state.reason, call_id=agent.call_id,
                   pending_state=agent.state.pending_state)


class QueueStats(BaseModel):
    """queue.stats — live figures of one queue after any change."""
    TYPE: ClassVar[str] = "queue.stats"
    queue: str
    waiting: int
    longest_wait_seconds: float


EVENTS: tuple[type[BaseModel], ...] = (AgentStateChanged, QueueStats)


class AcdNotifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def agent_state_changed(self, event: AgentStateChanged) -> None:
        """To that seat's own desktop alone (R-35): supervisors watch seats on the wallboard, where
        `stats:seats` and the region scope apply (stats.service.visible_seats); the stats worker
        reads every event from the bus itself, whatever its audience."""
        await self.bus.publish_or_log(event.TYPE, event, audience=people(event.agent_id))

    async def queue_stats(self, event: QueueStats) -> None:
        """To every desktop: aggregate figures of the province-wide queues, no caller, nothing regional."""
        await self.bus.publish_or_log(event.TYPE, event, audience=everyone())
