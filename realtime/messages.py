"""Websocket and event-bus contracts, typed in one place.

Websocket frames use a small versioned envelope (after wazo-websocketd):
    {"v": 1, "op": "<op>", "code": <int, optional>, "data": {...}}
Client → server ops: "auth" {"token"}, "pong", "token.refresh" {"token"}.
Server → client ops: "welcome" {"user_id", "role", "username"}, "ping", "event" {"type", "data", "at"},
"error" {"message"}. Close codes: see CloseCode.

Bus events (Redis pub/sub channel BUS_CHANNEL) are JSON objects:
    {"type": "<dotted.type>", "at": "<ISO 8601>", "data": {...}, "audience": {...}}
audience selects recipients: {"user_ids": [..]} for particular people, {"roles": [..]} for everyone
holding a role, {"all": true} for every desktop and wallboard. Wallboards receive events whose
type starts with one of WALLBOARD_PREFIXES (aggregates only) regardless of audience.
"""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from core.timeutil import utcnow

PROTOCOL_VERSION = 1
BUS_CHANNEL = "hotline:events"
# Wallboards get aggregate figures and alarms only: call.* events carry caller numbers,
# which the stats worker turns into figures before anything reaches a big screen.
WALLBOARD_PREFIXES = ("stats.", "alarm.")


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

    def includes(self, *, user_id: int, role: str) -> bool:
        """True when the person is one of the recipients."""
        return self.all or user_id in self.user_ids or role in self.roles


class BusEvent(BaseModel):
    """One domain event as it travels between processes."""

    type: str = Field(min_length=1, max_length=64)
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)
    audience: Audience = Field(default_factory=Audience)
    _frame: str | None = PrivateAttr(default=None)


class Frame(BaseModel):
    """A websocket frame in either direction."""

    model_config = ConfigDict(extra="forbid")
    v: Literal[1] = PROTOCOL_VERSION
    op: str = Field(min_length=1, max_length=32)
    code: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def event_frame(event: BusEvent) -> str:
    """The frame that carries a bus event to a browser (serialised once, shared by every socket)."""
    if event._frame is None:
        event._frame = Frame(op="event", data={"type": event.type, "at": event.at.isoformat(),
                                               "data": event.data}).model_dump_json()
    return event._frame
