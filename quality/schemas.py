"""Request and response bodies of quality inspection (质检)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from transcription.schemas import TranscriptOut

Week = Annotated[str, Field(pattern=r"^[0-9]{4}-W[0-9]{2}$", examples=["2026-W49"])]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class FormItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Annotated[str, Field(min_length=1, max_length=100)]
    points: Annotated[float, Field(ge=0, le=100)] = 0
    fatal: bool = False


class FormIn(BaseModel):
    """A new version of a form (the code's previous version stays for the scores given on it)."""
    model_config = ConfigDict(extra="forbid")
    code: Key
    name: Annotated[str, Field(min_length=1, max_length=100)]
    items: Annotated[list[FormItem], Field(min_length=1, max_length=50)]


class FormOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    version: int
    name: str
    items: list[dict]
    active: bool
    created_by: str
    created_at: datetime


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    week: Week | None = None  # default: the current week


class ManualSampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: Annotated[int, Field(ge=1, le=2_147_483_647)]


class DrawOut(BaseModel):
    week: str
    drawn: int
    by_reason: dict[str, int]


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form_id: Annotated[int, Field(ge=1, le=2_147_483_647)]
    answers: dict[Key, float | bool]  # item key -> points; fatal item key -> violated (true/false)
    comment: Annotated[str, Field(max_length=2000)] = ""


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=2, max_length=2000)]


class AppealDecisionIn(BaseModel):
    """Upheld: the score is given again (answers on the same form) or, without answers, kept."""
    model_config = ConfigDict(extra="forbid")
    upheld: bool
    note: Annotated[str, Field(min_length=1, max_length=2000)]
    answers: dict[Key, float | bool] | None = None


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sample_id: int
    call_id: int
    agent_id: int
    form_id: int
    answers: dict
    total: float
    fatal: bool
    comment: str
    scored_by: str
    scored_at: datetime
    appeal_reason: str | None
    appealed_at: datetime | None
    appeal_status: str | None
    appeal_note: str | None
    appeal_decided_by: str | None
    appeal_decided_at: datetime | None
    original_total: float | None


class SampleOut(BaseModel):
    id: int
    call_id: int
    agent_id: int
    agent_name: str
    region_code: str | None
    week: str
    reason: str
    status: str
    call_started_at: datetime | None
    flags: list[dict]
    total: float | None
    snippet: str | None = None


class SampleDetail(BaseModel):
    sample: SampleOut
    recording_id: int | None
    recording_seconds: float | None
    ticket_number: str | None
    transcripts: list[TranscriptOut]
    form: FormOut
    score: ScoreOut | None


class ResultRow(BaseModel):
    """Quality results of one agent or one team (the agents' organisation unit)."""
    key: int
    name: str
    scored: int
    average: float | None
    fatal: int
    appeals: int
    appeals_upheld: int


class ResultsOut(BaseModel):
    group_by: Literal["agent", "team"]
    since: datetime
    until: datetime
    rows: list[ResultRow]
