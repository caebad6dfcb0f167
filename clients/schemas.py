"""Request and response bodies of the open API (docs/open-api.md)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from access.permissions import CLIENT_SCOPES
from intake.schemas import normalise_phone
from workorders.schemas import CategoryIn

ScopeName = Literal[tuple(p.value for p in CLIENT_SCOPES)]  # type: ignore[valid-type]


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < 10 or any(c.isspace() for c in value):
        raise ValueError("callback_url must be an http:// or https:// URL")
    return value


CallbackUrl = Annotated[str, Field(max_length=500), AfterValidator(_http_url)]


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[ScopeName] = Field(min_length=1, max_length=3)
    callback_url: CallbackUrl | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class ApiClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    client_id: str
    name: str
    scopes: list[str]
    callback_url: str | None
    active: bool
    created_at: datetime
    rotated_at: datetime | None
    pending_deliveries: int = 0
    failed_deliveries: int = 0


class ApiClientSecrets(ApiClientOut):
    """Returned once, on creation and rotation: the secrets are never shown again."""

    client_secret: str
    webhook_secret: str  # the HMAC-SHA256 key of the callbacks (X-Hotline-Signature)


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class RelayOut(BaseModel):
    name: str  # sequencer | amqp | webhooks
    position: int  # the last outbox seq it has handled
    behind: int  # sequenced events it has not handled yet
    attempts: int  # failed passes in a row
    last_error: str | None
    updated_at: datetime


class Source(StrEnum):
    """Where a handed-over request comes from: the ticket's channel."""

    APP = "app"  # the mobile app
    NATIONAL_PLATFORM = "national_platform"  # 国家政务服务平台
    GOV_WEBSITE = "gov_website"  # 中国政府网留言
    CHUANYU = "chuanyu"  # 川渝热线联动 partner hotline


UPSTREAM_SOURCES = (Source.NATIONAL_PLATFORM, Source.GOV_WEBSITE, Source.CHUANYU)


class CallerHandOver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)  # a mainland mobile or landline (as the portal's)
    confidential: bool = False

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value not in (None, "") else None


class RequestHandOver(BaseModel):
    """A request handed over by an app or an upstream platform (POST /api/v1/requests). Only
    `source` and `content` are always required (and, from an upstream platform, `external_ref`
    and `received_at`); without an R-05 element or a category it waits in the intake queue."""

    model_config = ConfigDict(extra="forbid")
    source: Source
    external_ref: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    received_at: datetime | None = None  # the original receipt upstream (required from upstream platforms)
    caller: CallerHandOver = Field(default_factory=CallerHandOver)
    content: str = Field(min_length=1, max_length=4000)
    category: CategoryIn | None = None  # none: classified by the agent who accepts it
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")  # none: HOTLINE_INTAKE_DEFAULT_REGION, queued
    address: str | None = Field(default=None, max_length=300)
    occurred_at: datetime | None = None

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value

    @field_validator("received_at", "occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a time must carry its offset (e.g. 2026-12-01T08:00:00+08:00)")
        return value


class RequestStep(BaseModel):
    at: datetime
    step: str  # received | accepted | dispatched | in_handling | replied | closed | returned
    status: str | None


class RequestOut(BaseModel):
    number: str
    source: str
    external_ref: str
    received_at: datetime
    created_at: datetime
    status: str
    status_label: str
    steps: list[RequestStep] = []  # received (waiting in the intake queue) | accepted | dispatched | …
    reply: str | None = None  # once the request is completed


class FeedOut(BaseModel):
    events: list[dict[str, Any]]
    next_cursor: int
