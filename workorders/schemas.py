"""Request and response bodies of the work-order and supervision APIs."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from core.types import Moment, Strict
from workorders.state_machine import CallbackResult

MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    MAILBOX = "mailbox"
    APP = "app"
    NATIONAL_PLATFORM = "national_platform"  # 国家政务服务平台
    GOV_WEBSITE = "gov_website"  # 中国政府网留言
    CHUANYU = "chuanyu"  # 川渝热线联动


class CategoryIn(StrEnum):
    CONSULTATION = "consultation"
    HELP = "help"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    REPORT = "report"


class Special(StrEnum):
    NONE = "none"
    SPECIAL = "special"
    SPECIAL_URGENT = "special_urgent"


class DispositionKind(StrEnum):
    LEGAL_CHANNEL = "legal_channel"  # 诉讼、仲裁、纪检监察、行政复议、信息公开、信访 → inform of the channel
    SECRET_PRIVACY = "secret_privacy"  # 国家秘密、商业秘密、个人隐私、军事 → explain
    UNLAWFUL_DISSUADED = "unlawful_dissuaded"  # 违法诉求 → dissuade
    EMERGENCY_TRANSFER = "emergency_transfer"  # 110/119/120/122 at once


class CallerIn(Strict):
    name: str | None = Field(default=None, max_length=64)
    phone: str = Field(pattern=r"^\+?[0-9][0-9-]{4,30}$")
    confidential: bool = False


class DispositionIn(Strict):
    kind: DispositionKind
    note: ShortText  # the channel named, the explanation given, or where the emergency was transferred


class DirectAnswerIn(Strict):
    answer: Text


class TicketCreate(Strict):
    channel: Channel
    caller: CallerIn
    content: str = Field(min_length=1, max_length=4000)
    category: CategoryIn
    enterprise_related: bool = False
    address: str | None = Field(default=None, max_length=300)
    region_code: str = Field(pattern=r"^[0-9]{6,12}$")
    occurred_at: Moment | None = None
    received_at: Moment | None = None
    call_id: Annotated[str, Field(min_length=1, max_length=64)] | Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    special: Special = Special.NONE
    domain: str | None = Field(default=None, max_length=32)
    complained_unit_id: Id | None = None
    disposition: DispositionIn | None = None
    direct_answer: DirectAnswerIn | None = None

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value


class CallerOut(BaseModel):
    id: int
    name: str | None
    phone: str | None
    confidential: bool
    hidden: bool = False  # true when this principal may not see the caller
    source_ticket_id: int | None  # None when the caller is hidden from you (it would name a report)
    callback_result: str | None
    callback_round: int | None


class AssignmentOut(BaseModel):
    unit_id: int
    unit_name: str | None = None
    role: str
    active: bool
    assigned_at: datetime


class TicketOut(BaseModel):
    id: int
    number: str
    status: str
    status_label: str
    row_version: int
    channel: str
    category: str
    domain: str | None
    enterprise_related: bool
    special: str
    content: str
    address: str | None
    region_code: str
    occurred_at: datetime | None
    received_at: datetime
    created_at: datetime
    call_id: str | None
    policy_version: str
    calendar_provisional: bool
    disposition: str | None
    disposition_note: str | None
    direct_answer: str | None
    complained_unit_id: int | None
    lead_unit_id: int | None
    precedent_id: int | None
    merged_into_id: int | None
    deadlines: dict[str, datetime | None]
    reply: str | None
    extension_requested_days: int | None
    extended_days: int
    redo_count: int
    satisfaction: str | None
    screened_out: bool
    overdue: bool
    overdue_kinds: list[str]
    callers: list[CallerOut]
    assignments: list[AssignmentOut] = []
    allowed_actions: list[str] = []


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    limit: int
    offset: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    action: str
    side: str
    actor_username: str | None
    unit_id: int | None
    from_status: str | None
    to_status: str | None
    note: str | None
    detail: dict[str, Any]


# --- action bodies -----------------------------------------------------------------------------


class ActionBase(Strict):
    note: str | None = Field(default=None, max_length=4000)
    expected_version: int | None = Field(default=None, ge=1, le=MAX_ID,
                                         description="optimistic check: 409 if the ticket changed since")


class DispatchIn(ActionBase):
    lead_unit_id: Id
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10)
    domain: str | None = Field(default=None, max_length=32)
    # the hotline coordinated ownership; record it as a precedent for similar matters
    coordinated: bool = False
    matter: str | None = Field(default=None, min_length=2, max_length=200)


class ReturnIn(ActionBase):
    reason: ShortText
    legal_basis: ShortText
    suggested_unit_id: Id


class ExtensionIn(ActionBase):
    days: int = Field(ge=1, le=250)
    reason: ShortText
    major: bool = False
    caller_informed: bool = Field(description="R-14: the unit told the caller before asking")


class ProgressIn(ActionBase):
    kind: Literal["first_response", "progress"] = "progress"
    note: str = Field(min_length=1, max_length=4000)


class CompleteIn(ActionBase):
    reply: Text  # the reply to the caller (办理结果)


class CallbackIn(ActionBase):
    result: CallbackResult
    caller_id: Id | None = None  # default: every caller not yet reached this round
    # how the caller answered: phone (the callback desk), sms, web (evaluated on the citizen portal)
    method: Literal["phone", "sms", "web"] = "phone"


class TerminateIn(ActionBase):
    opinion: Text  # written opinion (书面意见)
    previous_ticket_ids: list[Id] = Field(min_length=1, max_length=20)


class DisputeIn(ActionBase):
    reason: ShortText


class ScreenIn(ActionBase):
    upheld: bool  # true: the result is screened out of the satisfaction rate


class PlainActionIn(ActionBase):
    pass


class MergeIn(Strict):
    duplicate_ids: list[Id] = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=1000)
