"""The messages a call's inbox carries and the legs it dials (shared by the call's modules)."""
from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from acd.store import AgentRecord

HANGUP_EVENTS = ("StasisEnd", "ChannelDestroyed", "ChannelHangupRequest")


class CallerGone(Exception):
    """The caller hung up (or the channel vanished)."""


@dataclass
class Offer:
    agent: AgentRecord


EXPIRED_REPLY = {"ok": False, "status": 504, "detail": "命令已过期 (command expired before it ran)"}
DUPLICATE_REPLY = {"ok": False, "status": 409, "detail": "命令已执行 (command already run)", "duplicate": True}
UNCLAIMED_REPLY = {"ok": False, "status": 503, "detail": "呼叫控制暂不可用 (command channel unavailable)"}


@dataclass
class Command:
    """An agent's call-control command. `expires_at` (epoch seconds) is when the API stops
    waiting for it; `claim` (ivr.commands) marks its id as run, so that it runs at most once
    and never after the API gave up on it: "run", "running" (already run) or "abandoned"."""

    action: str
    args: dict[str, Any]
    actor_id: int | None
    actor_role: str
    reply: asyncio.Future
    command_id: str = ""
    expires_at: float | None = None
    claim: Callable[[], Awaitable[str]] | None = None

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at

    def answer(self, reply: dict) -> None:
        if not self.reply.done():
            self.reply.set_result(reply)


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
