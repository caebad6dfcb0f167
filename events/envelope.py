"""The bus envelope: what every domain event looks like between processes.

Bus events (Redis pub/sub channel BUS_CHANNEL, HOTLINE_EVENTS_CHANNEL) are JSON objects:
    {"type": "<dotted.type>", "at": "<ISO 8601>", "data": {...}, "audience": {...}}
The `data` of each type is a model owned by its domain (calls.events, acd.events, pbx.events,
accounts.events, stats.events), published through that domain's typed notifier.

audience selects recipients: {"user_ids": [..]} for particular people, {"roles": [..]} for everyone
holding a role, {"all": true} for every desktop and wallboard. A regional event (call events:
{"regional": true, "region_code": "510100" | null}) reaches role or `all`
recipients only when their organisation scope covers the region (a city centre gets its own
region's calls, province staff every call, handling units none); named users always get it.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from access.scope import Scope
from core.timeutil import utcnow

BUS_CHANNEL = "hotline:events"
SUPERVISORS = ("supervisor", "admin")


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: bool = False
    user_ids: list[int] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    regional: bool = False  # role/all recipients only within the region's scope
    region_code: str | None = None  # None on a regional event: province staff only

    def includes(self, *, user_id: int, role: str, scope: Scope | None = None) -> bool:
        """True when the person is one of the recipients."""
        if user_id in self.user_ids:
            return True
        if not (self.all or role in self.roles):
            return False
        return not self.regional or (scope is not None and scope.covers_region(self.region_code))


def regional_audience(*, region_code: str | None, named: Iterable[int | None] = (),
                      broadcast: bool = True) -> Audience:
    """Everyone (broadcast) or the named people and supervisors, limited to the region's scope (R-31);
    the named always get it."""
    return Audience(all=broadcast, user_ids=sorted({u for u in named if u}),
                    roles=[] if broadcast else list(SUPERVISORS), regional=True, region_code=region_code)


def people(*user_ids: int) -> Audience:
    """Only these people (their own seat's state, their own sessions)."""
    return Audience(user_ids=list(user_ids))


def supervisors() -> Audience:
    """Supervisors and administrators, wherever they are."""
    return Audience(roles=list(SUPERVISORS))


def everyone() -> Audience:
    """Every desktop and wallboard, whatever its scope (aggregates without a caller or a region)."""
    return Audience(all=True)


class BusEvent(BaseModel):
    """One domain event as it travels between processes."""

    type: str = Field(min_length=1, max_length=64)
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)
    audience: Audience = Field(default_factory=Audience)
    _frames: dict[bool, str] = PrivateAttr(default_factory=dict)
