"""What a channel hands to intake.service.submit_request, and the agent's acceptance."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from core.types import Moment, Strict
from workorders.schemas import CallerIn, CategoryIn, DirectAnswerIn, DispositionIn, Id, Special

# mainland mobile (11 digits from 13…19) or a landline with its area code (010-12345678, 02887654321,
# with an optional extension); spaces and hyphens are ignored
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[1-9][0-9]{1,2}[0-9]{7,8}(?:#?[0-9]{1,6})?$")
ATTACHMENT_COUNT = 5


def normalise_phone(value: str) -> str:
    """The number with spaces and hyphens removed, a +86/0086 prefix dropped; ValueError if it is
    neither a mainland mobile nor a landline with its area code."""
    digits = re.sub(r"[\s-]", "", value)
    digits = re.sub(r"^(?:\+86|0086)", "", digits)
    if not (MOBILE.match(digits) or LANDLINE.match(digits)):
        raise ValueError("不是有效的手机号或带区号的固定电话 (not a mainland mobile or landline number)")
    return digits


@dataclass(frozen=True)
class IncomingFile:
    """One file as the channel received it (its type is sniffed from the bytes later)."""

    filename: str | None
    data: bytes


class RequestData(BaseModel):
    """A request as a channel received it; only `content` is always there. What is missing of the
    R-05 elements (phone, category, occurred_at, address) sends it to the intake queue."""

    model_config = {"extra": "forbid", "arbitrary_types_allowed": True}

    content: str = Field(min_length=1, max_length=4000)
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=500)
    category: CategoryIn | None = None
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    address: str | None = Field(default=None, max_length=300)
    occurred_at: Moment | None = None
    confidential: bool = False
    attachments: list[IncomingFile] = Field(default_factory=list)

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value not in (None, "") else None

    @field_validator("name", "address", "email", "subject")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


Outcome = Literal["dispatch", "out_of_scope", "direct_answer", "merge"]


class AcceptIn(Strict):
    """The agent's acceptance (受理) of a request from the queue: complete and classify it, then one
    outcome — to be dispatched (the R-10 limit starts now), out of scope (R-04), answered directly
    (R-06), or merged into the ticket it duplicates (R-07)."""

    outcome: Outcome
    expected_version: Id | None = None
    caller: CallerIn | None = None
    content: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    category: CategoryIn | None = None
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    address: str | None = Field(default=None, max_length=300)
    occurred_at: Moment | None = None
    domain: str | None = Field(default=None, max_length=32)
    special: Special | None = None
    enterprise_related: bool | None = None
    disposition: DispositionIn | None = None
    direct_answer: DirectAnswerIn | None = None
    merge_into: Id | None = None  # the ticket (id) this request duplicates
    merge_into_number: str | None = Field(default=None, max_length=32)  # … or its number
    note: str | None = Field(default=None, max_length=500)


class IntakeItem(BaseModel):
    """One request waiting in the intake queue (hotline staff only: it shows the citizen's contact)."""

    ticket_id: int
    number: str
    status: str
    row_version: int
    channel: str
    source: str | None
    external_ref: str | None
    subject: str | None
    email: str | None
    content: str
    category: str
    region_code: str
    address: str | None
    occurred_at: datetime | None
    received_at: datetime
    caller_name: str | None
    caller_phone: str | None
    confidential: bool
    missing: list[str]
    attachments: int = 0


class IntakeList(BaseModel):
    items: list[IntakeItem]
    total: int


@dataclass
class Submission:
    """What submit_request made: the ticket, whether it waits for intake, the files kept."""

    ticket_id: int
    number: str
    status: str
    queued: bool
    missing: list[str] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)
