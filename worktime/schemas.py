"""Request and response bodies of the calendar and time-limit policy APIs."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.types import Strict


class DayIn(Strict):
    kind: Literal["holiday", "workday"]
    note: str | None = Field(default=None, max_length=200)


class DayOut(BaseModel):
    date: date
    kind: str
    source: str
    note: str | None = None
    updated_by: str | None = None


class YearOut(BaseModel):
    year: int
    published: bool  # false: statutory fallback, deadlines in this year are provisional
    days: list[DayOut]


class DeadlineOut(BaseModel):
    due_at: str
    calendar_provisional: bool


class PolicyIn(Strict):
    policy: dict[str, Any] = Field(description="a whole policy, as GET /policies/active returns in `body`")
    note: str | None = Field(default=None, max_length=500)
    activate: bool = True


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: str
    body: dict[str, Any]
    published_at: datetime
    published_by: str | None
    note: str | None
    active: bool
