"""Bodies of the desktop API (softphone account, expert seats, screen pop)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SoftphoneOut(BaseModel):
    extension: str
    endpoint: str  # the PJSIP endpoint, webrtc<ext>
    display_name: str
    ws_url: str
    uri: str
    authorization_user: str
    password: str
    register_expires: int
    ice_servers: list[dict]  # RTCPeerConnection iceServers; empty on loopback
    wrap_up_seconds: int


class ExpertSeatOut(BaseModel):
    user_id: int
    display_name: str
    extension: str
    unit_id: int
    unit_name: str
    domains: list[str]
    state: str  # live ACD state: logged_out, ready, not_ready, ringing, on_call, wrap_up


class CallerOut(BaseModel):
    number: str
    masked: bool  # true: this principal may not see the number
    usable: bool  # true: a real number the form may prefill and history was looked up by


class BlockOut(BaseModel):
    status: str  # none | warned | suspended
    reason: str | None = None
    until: datetime | None = None


class StepOut(BaseModel):
    at: datetime
    action: str
    text: str


class PopTicketOut(BaseModel):
    id: int
    number: str
    status: str
    status_label: str
    category: str
    content: str
    created_at: datetime
    unit_name: str | None
    overdue: bool
    handle_due_at: datetime | None
    progress: StepOut | None = None  # latest step, told to a repeat caller


class PastCallOut(BaseModel):
    id: int
    started_at: datetime
    agent: str | None
    status: str
    outcome_label: str
    duration_seconds: float | None
    ticket_number: str | None


class ScreenPopOut(BaseModel):
    call_id: int
    caller: CallerOut
    ivr_path: list[str]
    queue: str | None
    enterprise: bool  # the caller chose the enterprise branch: the form presets 涉企
    recording_id: int | None
    block: BlockOut
    calls_30d: int = 0
    calls: list[PastCallOut] = []
    open_tickets: list[PopTicketOut] = []
    history: list[PopTicketOut] = []


class TodayOut(BaseModel):
    since: datetime  # local midnight (Asia/Shanghai)
    answered: int
    talk_seconds: int
    tickets: int  # accepted tickets (not direct answers, not out-of-scope)
    direct_answers: int
    dispositions: int


class ProgressToldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: int = Field(ge=1, le=2_147_483_647)


class ProgressToldOut(BaseModel):
    call_id: int
    ticket_id: int
    ticket_number: str
    status_label: str
    at: datetime
