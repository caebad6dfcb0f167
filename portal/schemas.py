"""Bodies of the public portal endpoints."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from core.types import Moment, Strict
from intake.schemas import normalise_phone
from workorders.schemas import CategoryIn


class PortalRequest(BaseModel):
    """POST /api/v1/public/requests (multipart form, or JSON without files). phone and content are
    required; a request lacking category, region_code, address or occurred_at is kept for an
    agent to complete (the intake queue) instead of being refused."""

    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, max_length=64)
    phone: str = Field(min_length=1, max_length=32)
    category: CategoryIn | None = None
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    address: str | None = Field(default=None, max_length=300)
    occurred_at: Moment | None = None
    content: str = Field(min_length=1, max_length=4000)
    confidential: bool = False

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value


class SubmittedOut(BaseModel):
    number: str
    status: str
    status_label: str
    attachments: int
    track_url: str


class PublicStep(BaseModel):
    step: Literal["submitted", "accepted", "dispatched", "handling", "replied", "closed"]
    label: str
    at: datetime


class TrackOut(BaseModel):
    """What a citizen learns of their request: never staff, units or other callers."""

    number: str
    status: str  # submitted / accepted / dispatched / handling / replied / closed
    status_label: str
    category: str
    content: str  # what the citizen wrote (they proved it is theirs with the phone)
    submitted_at: datetime
    steps: list[PublicStep]
    reply: str | None
    can_evaluate: bool
    evaluation: str | None


class EvaluationIn(Strict):
    phone: str = Field(min_length=1, max_length=32)
    result: Literal["satisfied", "dissatisfied"]
    comment: str | None = Field(default=None, max_length=500)


class ChallengeOut(BaseModel):
    enabled: bool
    challenge: str | None
    bits: int
    expires: int | None
