"""ACD request and response bodies."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["ready", "not_ready", "logged_out"]
    reason: str | None = Field(default=None, max_length=100)


class AgentOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    extension: str | None
    skills: list[str]
    state: str
    reason: str = ""
    since: float | None = None  # epoch seconds of the last change
    call_id: int | None = None
    wrap_up_until: float | None = None
    pending_state: str = ""


class QueueOut(BaseModel):
    name: str
    display_name: str
    waiting: int
    longest_wait_seconds: float
    agents_available: int
    agents_busy: int


class SkillsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: list[str] = Field(max_length=40)


class UrgencyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    urgent: bool
