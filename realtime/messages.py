"""Websocket and event-bus contracts, typed in one place.

Websocket frames use a small versioned envelope (after wazo-websocketd):
    {"v": 1, "op": "<op>", "code": <int, optional>, "data": {...}}
Client → server ops: "auth" {"token"}, "pong", "token.refresh" {"token"}.
Server → client ops: "welcome" {"user_id", "role", "username"}, "ping", "event" {"type", "data", "at"},
"error" {"message"}. Close codes: see CloseCode.

Bus events (Redis pub/sub channel BUS_CHANNEL) are JSON objects:
    {"type": "<dotted.type>", "at": "<ISO 8601>", "data": {...}, "audience": {...}}
audience selects recipients: {"user_ids": [..]} for particular people, {"roles": [..]} for everyone
holding a role, {"all": true} for every desktop and wallboard, {"unit_ids": [..]} for everyone whose
organisation unit is one of them (handling units' staff: ticket events). A regional event (call events,
agent states: {"regional": true, "region_code": "510100" | null}) reaches role or `all`
recipients only when their organisation scope covers the region (a city centre gets its own
region's calls, province staff every call, handling units none); named users always get it.
Wallboards receive events whose type starts with one of WALLBOARD_PREFIXES (aggregates only)
regardless of audience. Recipients without `personal:read` get PERSONAL_FIELDS masked. An event
addressed to units never carries a caller's identity (R-25, data_for_audience).
"""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from access.scope import Scope
from core.masking import mask_phone
from core.timeutil import utcnow

PROTOCOL_VERSION = 1
BUS_CHANNEL = "hotline:events"
# Wallboards get aggregate figures and alarms only: call.* events carry caller numbers,
# which the stats worker turns into figures before anything reaches a big screen.
WALLBOARD_PREFIXES = ("stats.", "alarm.")
# event data fields holding a caller's full number (call.offered, call.answered): masked in the
# frames of recipients without the personal-data permission
PERSONAL_FIELDS = ("caller_number",)
# data fields naming a caller (name, phone, id number, the callers themselves): an event addressed
# to handling units never carries them, at any depth (R-25: units learn a caller only from the
# ticket, through its own access rules, never from a broadcast)
CALLER_IDENTITY_FIELDS = frozenset({"caller", "callers", "caller_name", "caller_number", "caller_phone",
                                    "caller_id_number", "id_number", "phone"})


class CloseCode(IntEnum):
    NORMAL = 1000
    UNAUTHORIZED = 4001  # no, invalid or expired token
    PROTOCOL_ERROR = 4002  # malformed frame or unknown op
    FORBIDDEN = 4003  # authenticated but the role may not use this socket
    PING_TIMEOUT = 4004  # the client stopped answering pings
    TOKEN_EXPIRED = 4005  # the token ran out and was not refreshed


# A user's sessions are revoked (disabled, password or role changed): every socket of theirs, in
# whatever API process, closes at once. data: {"user_id", "reasons"}; never shown to a browser.
SESSION_REVOKED = "session.revoked"
# reasons that make the person's tokens worthless (4001) rather than their role unfit (4003)
REVOKED_UNAUTHORIZED = ("disabled", "password")


def revocation_close_code(reasons: list[str]) -> CloseCode:
    """4001 when the person may no longer sign in with what they had, else 4003 (role or unit changed)."""
    return CloseCode.UNAUTHORIZED if set(reasons) & set(REVOKED_UNAUTHORIZED) else CloseCode.FORBIDDEN


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: bool = False
    user_ids: list[int] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    unit_ids: list[int] = Field(default_factory=list)  # everyone whose organisation unit is listed
    regional: bool = False  # role/all recipients only within the region's scope
    region_code: str | None = None  # None on a regional event: province staff only

    def includes(self, *, user_id: int, role: str, scope: Scope | None = None, unit_id: int | None = None) -> bool:
        """True when the person is one of the recipients."""
        if user_id in self.user_ids or (unit_id is not None and unit_id in self.unit_ids):
            return True
        if not (self.all or role in self.roles):
            return False
        return not self.regional or (scope is not None and scope.covers_region(self.region_code))


class BusEvent(BaseModel):
    """One domain event as it travels between processes."""

    type: str = Field(min_length=1, max_length=64)
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)
    audience: Audience = Field(default_factory=Audience)
    _frames: dict[bool, str] = PrivateAttr(default_factory=dict)


class Frame(BaseModel):
    """A websocket frame in either direction."""

    model_config = ConfigDict(extra="forbid")
    v: Literal[1] = PROTOCOL_VERSION
    op: str = Field(min_length=1, max_length=32)
    code: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def without_caller_identity(value: Any) -> Any:
    """value with every CALLER_IDENTITY_FIELDS key removed, in nested objects and lists too."""
    if isinstance(value, dict):
        return {k: without_caller_identity(v) for k, v in value.items() if k not in CALLER_IDENTITY_FIELDS}
    if isinstance(value, list):
        return [without_caller_identity(v) for v in value]
    return value


def data_for_audience(data: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The data an event may carry to audience: to handling units, never a caller's identity (R-25).

    The one place the rule is applied: every event of a unit of work passes here before it is
    written to the outbox, so neither the outbox row nor the bus message ever holds it."""
    return without_caller_identity(data) if audience.unit_ids else data


def masked_data(data: dict[str, Any]) -> dict[str, Any]:
    """Event data with every caller number masked (core.masking)."""
    return {k: mask_phone(v) if k in PERSONAL_FIELDS and isinstance(v, str) else v for k, v in data.items()}


def event_frame(event: BusEvent, *, masked: bool = False) -> str:
    """The frame that carries a bus event to a browser, whole or with caller numbers masked
    (each form serialised once, shared by every socket that gets it)."""
    if masked not in event._frames:
        data = masked_data(event.data) if masked else event.data
        event._frames[masked] = Frame(op="event", data={"type": event.type, "at": event.at.isoformat(),
                                                        "data": data}).model_dump_json()
    return event._frames[masked]
