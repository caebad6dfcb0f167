"""Events of the stats worker on the event bus (events.bus; see events.envelope for the envelope):
what keeps every wallboard live (R-05) and tells supervisors of answer-rate alarms (R-24, R-34).

    {"type": "<TYPE>", "at": "<ISO 8601>", "data": {<fields of the model>}, "audience": {...}}

Wallboards get every `stats.*` and `alarm.*` event whatever its audience (aggregates only, see
realtime.messages.WALLBOARD_PREFIXES). Unlike the telephony events a failed publish is raised:
the worker's loop logs it and the next event or tick publishes afresh.
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from events.bus import EventBus
from events.envelope import Audience, supervisors


class StatsUpdated(BaseModel):
    """stats.updated — fresh figures: today / last hour / last 15 minutes per segment, callers waiting
    now, today's half-hour chart (the rows as stats.service.wallboard_figures makes them)."""
    model_config = ConfigDict(extra="forbid")
    TYPE: ClassVar[str] = "stats.updated"
    generated_at: str
    day_start: str
    target: float
    service_level_seconds: float
    alarm_window_minutes: int
    centre: dict[str, Any]
    segments: list[dict[str, Any]]
    series: list[dict[str, Any]]


class StatsAgents(BaseModel):
    """stats.agents — every signed-in seat: state, time in state, not-ready reason, today's calls
    (rows of stats.service.wallboard_agents; desktops see only the seats in their scope)."""
    model_config = ConfigDict(extra="forbid")
    TYPE: ClassVar[str] = "stats.agents"
    generated_at: str
    agents: list[dict[str, Any]]


class AlarmNotice(BaseModel):
    """An answer-rate alarm as REST and the bus show it (stats.alarm_service.alarm_dict)."""
    model_config = ConfigDict(extra="forbid")
    id: int
    segment: str
    segment_kind: str
    segment_key: str
    segment_name: str
    org_unit_id: int | None
    window_minutes: int
    threshold: float
    min_offered: int
    raised_at: str
    offered: int
    answered: int
    answer_rate: float
    notice: str
    cleared_at: str | None
    cleared_offered: int | None
    cleared_answered: int | None
    cleared_answer_rate: float | None
    acknowledged_at: str | None
    acknowledged_by_id: int | None
    acknowledgement: str | None


class AlarmRaised(AlarmNotice):
    """alarm.raised — a segment's answer rate fell short: one event per alarm, whoever evaluated."""
    TYPE: ClassVar[str] = "alarm.raised"


class AlarmCleared(AlarmNotice):
    """alarm.cleared — the segment's answer rate recovered: one event per alarm."""
    TYPE: ClassVar[str] = "alarm.cleared"


ALARM_EVENTS: dict[str, type[AlarmNotice]] = {AlarmRaised.TYPE: AlarmRaised, AlarmCleared.TYPE: AlarmCleared}
EVENTS: tuple[type[BaseModel], ...] = (StatsUpdated, StatsAgents, AlarmRaised, AlarmCleared)


class StatsNotifier:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def stats_updated(self, event: StatsUpdated) -> None:
        """To every wallboard (the audience names no desktop)."""
        await self._publish(event.TYPE, event, Audience())

    async def stats_agents(self, event: StatsAgents) -> None:
        """To every wallboard, each showing only the seats in its scope (realtime.endpoints.wallboard_view)."""
        await self._publish(event.TYPE, event, Audience())

    async def alarm_changed(self, event: AlarmRaised | AlarmCleared) -> None:
        """To supervisors' desktops and every wallboard."""
        await self._publish(event.TYPE, event, supervisors())

    async def _publish(self, type_: str, event: BaseModel, audience: Audience) -> None:
        await self.bus.publish(type_, event.model_dump(mode="json"), audience=audience)
