"""What a call's inbox carries besides commands (calls.commands) and offers (acd.dispatcher),
and the legs it dials (shared by the call's modules)."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

HANGUP_EVENTS = ("StasisEnd", "ChannelDestroyed", "ChannelHangupRequest")


class CallerGone(Exception):
    """The caller hung up (or the channel vanished)."""


@dataclass
class Resync:
    channels: dict[str, dict]
    bridges: dict[str, dict]


@dataclass
class Leg:
    """A channel we dialled for this call (agent, party, emergency centre, transfer target)."""

    channel_id: str
    kind: str  # agent | xfer | consult | party | emer
    target: str  # extension, number or emergency service
    user_id: int | None = None
    answered: bool = False
    gone: bool = False
    started: float = field(default_factory=time.monotonic)


def leg_id(call_id: int, kind: str, target: str) -> str:
    """Channel id of a leg: the call, the kind and the target can be read back after a restart."""
    return f"{call_id}-{kind}-{target}-{secrets.token_hex(3)}"


def parse_leg_id(channel_id: str) -> tuple[int, str, str] | None:
    parts = channel_id.split("-")
    if len(parts) != 4 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1], parts[2]
