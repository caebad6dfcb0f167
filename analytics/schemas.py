"""Request and response bodies of the analytics API."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from analytics.rules import Kind

RegionCode = Field(pattern=r"^[0-9]{2,12}$", description="a GB/T 2260 region code: it and everything inside it")


class RegionCount(BaseModel):
    region_code: str
    name: str
    count: int


class Trend(BaseModel):
    previous: int = Field(description="tickets of this topic in the period of the same length just before")
    change: int
    ratio: float | None = Field(description="count ÷ previous − 1 (None when previous is 0)")


class Example(BaseModel):
    ticket_id: int
    number: str
    created_at: str
    region_code: str
    summary: str


class TopicOut(BaseModel):
    topic: str = Field(description="the topic's stable key")
    label: str = Field(description="its leading keywords, e.g. 停水")
    keywords: list[str]
    count: int
    regions: list[RegionCount]
    trend: Trend
    examples: list[Example]


class HotTopicsOut(BaseModel):
    start: str
    end: str
    topics: list[TopicOut]


class AlertOut(BaseModel):
    id: int
    kind: Kind
    kind_name: str
    label: str
    region_code: str | None
    region_name: str | None
    notice: str
    count: int
    peak: int
    baseline: float
    window_minutes: int
    ticket_ids: list[int]
    raised_at: str
    last_seen_at: str
    cleared_at: str | None
    acknowledged_at: str | None
    acknowledged_by_id: int | None
    acknowledgement: str | None


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


class EvaluationOut(BaseModel):
    indexed: int = Field(description="tickets given their topic by this evaluation")
    raised: list[int]
    updated: list[int]
    cleared: list[int]
    open: list[AlertOut]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=500, description="what was done about it (处置措施)")


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
