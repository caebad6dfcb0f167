"""The bus envelope: what every domain event looks like between processes.

Bus events (Redis pub/sub channel BUS_CHANNEL, HOTLINE_EVENTS_CHANNEL) are JSON objects:
    {"type": "<dotted.type>", "at": "<ISO 8601>", "data": {...}, "audience": {...}}
The `data` of each type is a model owned by its domain (calls.events, acd.events, pbx.events,
accounts.events, stats.events, workorders.events), published through that domain's typed notifier
(ticket events through the unit of work and its outbox, events.unit_of_work).

audience selects recipients: {"user_ids": [..]} for particular people, {"roles": [..]} for everyone
holding a role, {"all": true} for every desktop and wallboard, {"unit_ids": [..]} for everyone whose
organisation unit is one of them (handling units' staff: ticket events). A regional event (call events:
{"regional": true, "region_code": "510100" | null}) reaches role or `all`
recipients only when their organisation scope covers the region (a city centre gets its own
region's calls, province staff every call, handling units none); named users always get it.
An event addressed to units never carries a caller's identity (R-25, data_for_audience).
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
# a person's sessions end (accounts.events): the websocket gateway acts on it and never forwards it
SESSION_REVOKED = "session.revoked"
# data fields naming a caller (name, phone, id number, the callers themselves): an event addressed
# to handling units never carries them, at any depth (R-25: units learn a caller only from the
# ticket, through its own access rules, never from a broadcast)
CALLER_IDENTITY_FIELDS = frozenset({"caller", "callers", "caller_name", "caller_number", "caller_phone",
                                    "caller_id_number", "id_number", "phone"})


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
