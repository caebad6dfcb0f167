"""Request and response bodies of the stats API (rates are fractions 0–1, times ISO 8601 with offset)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

QueueName = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_:.\-]+$")]
Rate = Annotated[float, Field(ge=0, le=1)]
WindowName = Literal["15m", "1h", "today"]


class FiguresOut(BaseModel):
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    unanswered: int
    answer_rate: float | None = Field(description="接通率 answered ÷ offered; null when nothing was offered")
    service_level_15s: float | None = Field(description="answered within 15 s ÷ answered")
    answered_within_15s: int
    abandon_rate: float | None
    average_speed_of_answer: float | None = Field(description="seconds")
    average_handle_time: float | None = Field(description="seconds of talk per answered, ended call")
    waiting: int
    longest_wait_seconds: float | None


class AnswerRateOut(FiguresOut):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    queue: str | None
    target: float
    meets_target: bool | None


class SegmentOut(BaseModel):
    id: str
    kind: str
    key: str
    name: str
    figures: FiguresOut


class AgentFiguresOut(BaseModel):
    user_id: int
    name: str
    figures: FiguresOut


class SegmentReportOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    target: float
    segments: list[SegmentOut]
    agents: list[AgentFiguresOut]


class AlarmOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    segment_kind: str
    segment_key: str
    segment_name: str
    org_unit_id: int | None
    window_minutes: int
    threshold: float
    min_offered: int
    raised_at: datetime
    offered: int
    answered: int
    answer_rate: float
    notice: str
    cleared_at: datetime | None
    cleared_offered: int | None
    cleared_answered: int | None
    cleared_answer_rate: float | None
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    acknowledgement: str | None


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=500, description="what was done (督促措施)")


class StaffingIn(BaseModel):
    """A forecast: calls per interval from `start`, and the assumptions of the Erlang A model."""

    model_config = ConfigDict(extra="forbid")
    # 20,000 calls in one interval is several times any provincial 12345 peak; it bounds the work
    calls: list[Annotated[float, Field(ge=0, le=20_000)]] = Field(min_length=1, max_length=96)
    interval_minutes: Literal[15, 30, 60] = 30
    start: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    handle_seconds: float = Field(default=240, ge=1, le=7200, description="average handle time")
    patience_seconds: float | None = Field(default=None, ge=1, le=3600,
                                           description="callers' mean patience (default: configuration)")
    target_answer_rate: Rate = 0.95
    service_level_target: Rate | None = Field(default=None, description="optional: answered within 15 s")

    @model_validator(mode="after")
    def _fits_in_a_day(self) -> StaffingIn:
        hours, minutes = map(int, self.start.split(":"))
        if (hours * 60 + minutes) + len(self.calls) * self.interval_minutes > 24 * 60:
            raise ValueError("the forecast must end within the day")
        return self


class IntervalOut(BaseModel):
    start: str
    end: str
    calls: float
    traffic_erlangs: float
    agents: int
    answer_rate: float
    service_level_15s: float
    wait_probability: float
    occupancy: float


class StaffingOut(BaseModel):
    date: str | None = None
    interval_minutes: int
    handle_seconds: float
    patience_seconds: float
    target_answer_rate: float
    service_level_target: float | None
    forecast_source: str = Field(description="request | history (same weekday, previous weeks)")
    intervals: list[IntervalOut]
    peak_agents: int
    agent_hours: float
