"""Who sees which call and who hears its recording (R-17, R-25, R-31, R-35).

Supervisors, admins and auditors (who oversee calls) see the calls their organisation scope
covers: the province centre every call, a city centre the calls of its region (how a call
gets one: calls.regions). A seat (agent, expert) sees only the calls it takes part in: it
answered it, was offered it, was transferred to or brought in as a party (its call events),
or the ACD holds it for the call right now (rung before any event is written: the screen
pop must not race that write) — otherwise any agent could walk call ids and read every
caller. Handling units take part in no call and see none.

Its recording is heard by principals holding `recording:review` whose scope covers the call's
region (supervisors, auditors, admins), and by principals holding `recording:read` (agents,
expert seats) on calls they took part in — never by handling units.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from acd.store import AcdStore
from core.errors import NotFound
from models import Call, CallEvent

# call events that put a seat (by extension) on the call
PARTY_EVENTS = ("offered", "answered", "transfer_started", "transferred", "party_dialled", "party_added",
                "agent_left")


def oversees_calls(principal: Principal) -> bool:
    """Supervisors, admins and auditors look at the calls of their scope; seats at their own only."""
    return principal.can(Permission.ACD_MANAGE) or principal.can(Permission.AUDIT_READ)


def _party_events(principal: Principal):
    """Ids of the calls whose events name the principal (actor, or seat by extension)."""
    named = [CallEvent.actor_id == principal.user_id]
    if principal.extension:
        ext = principal.extension
        named.append(CallEvent.type.in_(PARTY_EVENTS) & or_(CallEvent.detail["extension"].as_string() == ext,
                                                             CallEvent.detail["target"].as_string() == ext))
    return select(CallEvent.call_id).where(or_(*named))


def party_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL filter: calls the principal's seat took part in."""
    return or_(Call.agent_id == principal.user_id, Call.id.in_(_party_events(principal)))


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL filter: the calls this principal may see."""
    by_scope = principal.scope.region_clause(Call.region_code) if oversees_calls(principal) else false()
    return or_(by_scope, party_clause(principal))


async def live_call_of(acd: AcdStore | None, principal: Principal) -> int | None:
    """The call the ACD holds the principal's seat for (ringing or talking), if any."""
    if acd is None or not principal.can(Permission.ACD_SELF):
        return None
    agent = await acd.get_agent(principal.user_id)
    return agent.call_id if agent else None


async def took_part(session: AsyncSession, principal: Principal, call: Call, live_call_id: int | None = None) -> bool:
    """True when the principal's seat was or is on the call (answered, offered, transferred to, party)."""
    if call.agent_id == principal.user_id or (live_call_id is not None and call.id == live_call_id):
        return True
    found = await session.scalar(_party_events(principal).where(CallEvent.call_id == call.id).limit(1))
    return found is not None


async def may_see(session: AsyncSession, principal: Principal, call: Call, live_call_id: int | None = None) -> bool:
    """True when the principal may see (and, with call:control, act on) this call."""
    if oversees_calls(principal) and principal.scope.covers_region(call.region_code):
        return True
    return await took_part(session, principal, call, live_call_id)


async def visible_call(session: AsyncSession, principal: Principal, call_id: int, acd: AcdStore | None = None) -> Call:
    """The call if this principal may see it; NotFound otherwise (no hint that it exists).
    With the ACD store, the seat's live call counts as taking part."""
    call = await session.get(Call, call_id)
    if call is None or not await may_see(session, principal, call, await live_call_of(acd, principal)):
        raise NotFound(f"通话 {call_id} 不存在 (no such call)")
    return call


async def may_hear(session: AsyncSession, principal: Principal, call: Call, live_call_id: int | None = None) -> bool:
    """True when the principal may hear (and see the metadata of) this call's recording."""
    if principal.can(Permission.RECORDING_REVIEW) and principal.scope.covers_region(call.region_code):
        return True
    return principal.can(Permission.RECORDING_READ) and await took_part(session, principal, call, live_call_id)


async def hearable_ids(session: AsyncSession, principal: Principal, calls: list[Call]) -> set[int]:
    """Ids of the calls (of a list) whose recordings this principal may hear, in one query."""
    by_region = {c.id for c in calls
                 if principal.can(Permission.RECORDING_REVIEW) and principal.scope.covers_region(c.region_code)}
    if not principal.can(Permission.RECORDING_READ):
        return by_region
    own = {c.id for c in calls if c.agent_id == principal.user_id}
    rest = [c.id for c in calls if c.id not in by_region | own]
    if rest:
        own |= set((await session.scalars(_party_events(principal).where(CallEvent.call_id.in_(rest)))).all())
    return by_region | own
