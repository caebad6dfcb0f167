"""Websocket contracts: the frames between a browser and an API process.

Websocket frames use a small versioned envelope (after wazo-websocketd):
    {"v": 1, "op": "<op>", "code": <int, optional>, "data": {...}}
Client → server ops: "auth" {"token"}, "pong", "token.refresh" {"token"}.
Server → client ops: "welcome" {"user_id", "role", "username"}, "ping", "event" {"type", "data", "at"},
"error" {"message"}. Close codes: see CloseCode.

Events reach a socket from the event bus (events.envelope: its audience says who gets one).
Wallboards receive events whose type starts with one of WALLBOARD_PREFIXES (aggregates only)
regardless of audience. Recipients without `personal:read` get PERSONAL_FIELDS masked. An event
addressed to units never carries a caller's identity (R-25, events.envelope.data_for_audience).
"""
from __future__ import annotations

from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.masking import mask_phone
from events.envelope import BusEvent

PROTOCOL_VERSION = 1
# Wallboards get aggregate figures and alarms only: call.* events carry caller numbers,
# which the stats worker turns into figures before anything reaches a big screen.
WALLBOARD_PREFIXES = ("stats.", "alarm.", "analytics.")
# event data fields holding a caller's full number (call.offered, call.answered): masked in the
# frames of recipients without the personal-data permission
PERSONAL_FIELDS = ("caller_number",)


class CloseCode(IntEnum):
    NORMAL = 1000
    UNAUTHORIZED = 4001  # no, invalid or expired token
    PROTOCOL_ERROR = 4002  # malformed frame or unknown op
    FORBIDDEN = 4003  # authenticated but the role may not use this socket
    PING_TIMEOUT = 4004  # the client stopped answering pings
    TOKEN_EXPIRED = 4005  # the token ran out and was not refreshed


# reasons that make the person's tokens worthless (4001) rather than their role unfit (4003)
REVOKED_UNAUTHORIZED = ("disabled", "password")


def revocation_close_code(reasons: list[str]) -> CloseCode:
    """4001 when the person may no longer sign in with what they had, else 4003 (role or unit changed)."""
    return CloseCode.UNAUTHORIZED if set(reasons) & set(REVOKED_UNAUTHORIZED) else CloseCode.FORBIDDEN


class Frame(BaseModel):
    """A websocket frame in either direction."""

    model_config = ConfigDict(extra="forbid")
    v: Literal[1] = PROTOCOL_VERSION
    op: str = Field(min_length=1, max_length=32)
    code: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)



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
