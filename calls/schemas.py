"""Call record and call-control bodies."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Extension = Field(pattern=r"^[0-9]{3,8}$")


class CallOut(BaseModel):
    id: int
    caller_number: str
    called_number: str
    phase: str
    disposition: str | None
    queue: str | None
    urgent: bool
    menu_choice: str | None
    agent: str | None  # username of the agent who answered
    agent_id: int | None
    extension: str | None
    emergency_service: str | None
    started_at: datetime
    entered_queue_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    recording_id: int | None  # None also when the viewer may not hear the recording
    region_code: str | None  # the region the call belongs to (calls.regions)
    direction: str = "inbound"  # outbound: a survey or click-to-call (caller_number is the citizen's)
    ticket_id: int | None = None  # an outbound call's ticket
    callback_id: int | None = None  # an outbound call's callback task


class CallEventOut(BaseModel):
    at: datetime
    type: str
    actor_id: int | None
    detail: dict[str, Any]


class RecordingOut(BaseModel):
    id: int
    call_id: int
    format: str
    duration_seconds: float
    size_bytes: int
    sha256: str
    started_at: datetime | None
    retain_until: datetime
    legal_hold: bool


class CallDetail(CallOut):
    events: list[CallEventOut]
    recording: RecordingOut | None


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["blind", "attended"] = "blind"
    extension: str | None = Field(default=None, pattern=r"^[0-9]{3,8}$")
    queue: str | None = Field(default=None, max_length=48)

    @model_validator(mode="after")
    def one_target(self) -> TransferRequest:
        if (self.extension is None) == (self.queue is None):
            raise ValueError("give exactly one of extension or queue")
        return self


class PartyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extension: str | None = Field(default=None, pattern=r"^[0-9]{3,8}$")
    number: str | None = Field(default=None, pattern=r"^[0-9]{3,20}$")

    @model_validator(mode="after")
    def one_target(self) -> PartyRequest:
        if (self.extension is None) == (self.number is None):
            raise ValueError("give exactly one of extension or number")
        return self


class EmergencyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Literal["110", "119", "120", "122"]


MonitorMode = Literal["listen", "whisper", "barge"]


class MonitorRequest(BaseModel):
    """Start monitoring: the supervisor seat to ring (3001-3010) and the mode once answered."""
    mode: MonitorMode
    extension: str = Field(pattern=r"^30(0[1-9]|10)$", description="a supervisor seat, 3001-3010")


class MonitorModeRequest(BaseModel):
    mode: MonitorMode


class ControlResult(BaseModel):
    ok: bool
    call_id: int
    action: str
    data: dict[str, Any] = {}


class BlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(pattern=r"^\+?[0-9]{3,20}$")
    status: Literal["warned", "suspended"]
    reason: str = Field(min_length=2, max_length=200)
    until: datetime | None = None

    @model_validator(mode="after")
    def aware(self) -> BlockIn:
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until must carry a time zone")
        return self


class BlockOut(BaseModel):
    id: int
    number: str
    status: str
    reason: str
    until: datetime | None
    active: bool
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
