"""Request and response bodies of the callbacks API."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.types import Strict

MAX_ID = 2**31 - 1


class RunIn(Strict):
    ticket_id: int | None = Field(default=None, ge=1, le=MAX_ID)  # only this ticket's surveys


class RunOut(BaseModel):
    planned: int
    due_now: int


class SurveyOut(BaseModel):
    id: int
    ticket_id: int
    ticket_number: str
    phone: str | None
    region_code: str | None
    channel: str
    method: str | None
    status: str
    attempts: int
    due_at: datetime
    last_attempt_at: datetime | None
    last_result: str | None
    answers: dict[str, Any]
    outcome: str | None
    call_id: int | None
    recording_id: int | None
    created_at: datetime
    finished_at: datetime | None


class TaskOut(BaseModel):
    id: int
    kind: str
    phone: str | None
    status: str
    region_code: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    abandons: int
    attempts: int
    outcome: str | None
    closed_at: datetime | None
    ticket_id: int | None
    survey_id: int | None
    last_call_id: int | None


class CloseIn(Strict):
    outcome: Literal["called_back", "unreachable", "not_needed"]


class FiguresOut(BaseModel):
    tasks: int
    done: int
    done_in_time: int
    open: int
    overdue: int
    expired: int
    callback_rate: float
    in_time_share: float
