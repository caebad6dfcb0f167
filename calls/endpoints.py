"""Calls API: call records (newest first), one call with its events, and the agent's call
control (hold, transfers, three-way, emergency hand-off), plus the block list (R-26).

Each principal sees the calls of their scope and those their seat took part in
(calls.visibility, R-31); roles without `personal:read` see every caller number masked and
may not search by one (R-35); a recording's id and metadata only reach those who may hear it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from acd.schemas import UrgencyRequest
from acd.store import AcdStore
from audit.service import record
from calls import blocklist
from calls.control import control
from calls.outside import authorise
from calls.repository import call_events, recent_calls
from calls.schemas import (
    BlockIn,
    BlockOut,
    CallDetail,
    CallEventOut,
    CallOut,
    ControlResult,
    EmergencyRequest,
    PartyRequest,
    RecordingOut,
    TransferRequest,
)
from calls.visibility import hearable_ids, may_hear, visible_call, visible_clause
from core.errors import Forbidden, NotFound, TooManyRequests, Unprocessable
from core.masking import mask_phone
from core.timeutil import utcnow
from models import Call, CallEvent, Recording, User
from web.deps import IdPath, RedisDep, ResourcesDep, SessionDep, UnitOfWorkDep, require, require_province_wide

router = APIRouter(prefix="/calls", tags=["calls"])
blocklist_router = APIRouter(prefix="/blocklist", tags=["calls"])
# a waiting call's place in the ACD (under /acd: the ACD's view of calls; here: the call's visibility rule)
urgency_router = APIRouter(prefix="/acd/calls", tags=["acd"])
Reader = Annotated[Principal, Depends(require(Permission.CALL_READ))]
Controller = Annotated[Principal, Depends(require(Permission.CALL_CONTROL))]
# one block list for the province's one number: only the province centre keeps it (see calls.blocklist)
Blocker = Annotated[Principal, Depends(require_province_wide(Permission.BLOCKLIST_WRITE))]
Manager = Annotated[Principal, Depends(require(Permission.ACD_MANAGE))]


async def _agents(session: AsyncSession, calls: list[Call]) -> dict[int, str]:
    ids = {c.agent_id for c in calls if c.agent_id}
    if not ids:
        return {}
    return dict((await session.execute(select(User.id, User.username).where(User.id.in_(ids)))).all())


# call-event detail keys holding the caller's number (the `started` event stores it)
PHONE_KEYS = ("caller_number",)


def _event_out(event: CallEvent, principal: Principal) -> CallEventOut:
    detail = event.detail or {}
    if not principal.can(Permission.PERSONAL_DATA_READ):
        detail = {k: mask_phone(v) if k in PHONE_KEYS and isinstance(v, str) else v for k, v in detail.items()}
    return CallEventOut(at=event.at, type=event.type, actor_id=event.actor_id, detail=detail)


def _out(call: Call, agents: dict[int, str], principal: Principal, *, hearable: bool) -> dict[str, Any]:
    number = call.caller_number if principal.can(Permission.PERSONAL_DATA_READ) else mask_phone(call.caller_number)
    return {"id": call.id, "caller_number": number, "called_number": call.called_number, "phase": call.phase,
            "disposition": call.disposition, "queue": call.queue, "urgent": call.urgent,
            "menu_choice": call.menu_choice, "agent": agents.get(call.agent_id) if call.agent_id else None,
            "agent_id": call.agent_id, "extension": call.extension, "emergency_service": call.emergency_service,
            "started_at": call.started_at, "entered_queue_at": call.entered_queue_at,
            "answered_at": call.answered_at, "ended_at": call.ended_at, "ended_by": call.ended_by,
            "recording_id": call.recording_id if hearable else None, "region_code": call.region_code,
            "direction": call.direction, "ticket_id": call.ticket_id, "callback_id": call.callback_id}


@router.get("", response_model=list[CallOut])
async def list_calls(session: SessionDep, principal: Reader, limit: int = Query(default=50, ge=1, le=500),
                     before_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
                     caller: str | None = Query(default=None, pattern=r"^[0-9]{3,20}$"),
                     agent_id: int | None = Query(default=None, ge=1, le=2_147_483_647)) -> list[dict]:
    """Call records of one's scope, newest first (caller numbers masked without the personal-data
    permission, which a search by caller number needs)."""
    if caller and not principal.can(Permission.PERSONAL_DATA_READ):
        raise Forbidden("无权按来电号码查询 (searching by caller number needs personal:read, R-35)")
    query = recent_calls(limit, before_id=before_id, caller_number=caller, agent_id=agent_id)
    calls = list((await session.scalars(query.where(visible_clause(principal)))).all())
    if principal.can(Permission.PERSONAL_DATA_READ) and calls:
        await record(session, action="calls_viewed", actor_id=principal.user_id, actor_username=principal.username,
                     resource_type="call", detail={"call_ids": [c.id for c in calls][:100], "caller": caller})
    agents = await _agents(session, calls)
    hearable = await hearable_ids(session, principal, calls)
    return [_out(c, agents, principal, hearable=c.id in hearable) for c in calls]


@router.get("/{call_id}", response_model=CallDetail)
async def read_call(call_id: IdPath, session: SessionDep, redis: RedisDep, principal: Reader) -> dict:
    """One call with everything that happened on it and its recording's metadata (for those who
    may hear it)."""
    call = await visible_call(session, principal, call_id, AcdStore(redis))
    events = [_event_out(e, principal) for e in await call_events(session, call_id)]
    hearable = await may_hear(session, principal, call)
    recording = await session.get(Recording, call.recording_id) if call.recording_id and hearable else None
    if principal.can(Permission.PERSONAL_DATA_READ):
        await record(session, action="call_viewed", actor_id=principal.user_id, actor_username=principal.username,
                     resource_type="call", resource_id=call_id)
    out = _out(call, await _agents(session, [call]), principal, hearable=hearable)
    return {**out, "events": events,
            "recording": RecordingOut.model_validate(recording, from_attributes=True) if recording else None}


@dataclass(frozen=True)
class CommandRoute:
    """Where a control request goes: the command channel, and the client's id of the command."""

    redis: Redis
    command_id: str | None


async def command_route(redis: RedisDep, idempotency_key: Annotated[
        str | None, Header(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                           description="the command's id: the same key sent again (a retry) runs it once")] = None
                        ) -> CommandRoute:
    return CommandRoute(redis, idempotency_key)


CommandChannel = Annotated[CommandRoute, Depends(command_route)]


async def _control(session, channel: CommandRoute, principal, call_id: int, action: str,
                   args: dict | None = None) -> ControlResult:
    data = await control(session, channel.redis, call_id=call_id, action=action, args=args or {},
                         principal=principal,
                         command_id=f"{principal.user_id}:{call_id}:{action}:{channel.command_id}"
                         if channel.command_id else None)  # one client's key never answers another
    return ControlResult(ok=True, call_id=call_id, action=action, data=data)


@router.post("/{call_id}/hold", response_model=ControlResult)
async def hold(call_id: IdPath, session: SessionDep, redis: CommandChannel, principal: Controller) -> ControlResult:
    """Put the caller on hold (music; the caller is not heard)."""
    return await _control(session, redis, principal, call_id, "hold")


@router.post("/{call_id}/unhold", response_model=ControlResult)
async def unhold(call_id: IdPath, session: SessionDep, redis: CommandChannel, principal: Controller) -> ControlResult:
    """Take the caller off hold."""
    return await _control(session, redis, principal, call_id, "unhold")


@router.post("/{call_id}/transfer", response_model=ControlResult)
async def transfer(call_id: IdPath, body: TransferRequest, session: SessionDep, redis: CommandChannel,
                   principal: Controller) -> ControlResult:
    """Blind or attended transfer to an expert seat / extension, or blind to a queue (R-06)."""
    return await _control(session, redis, principal, call_id, "transfer", body.model_dump(exclude_none=True))


@router.post("/{call_id}/transfer/complete", response_model=ControlResult)
async def transfer_complete(call_id: IdPath, session: SessionDep, redis: CommandChannel,
                            principal: Controller) -> ControlResult:
    """Attended transfer: hand the caller to the consulted seat and leave."""
    return await _control(session, redis, principal, call_id, "transfer_complete")


@router.post("/{call_id}/transfer/cancel", response_model=ControlResult)
async def transfer_cancel(call_id: IdPath, session: SessionDep, redis: CommandChannel,
                          principal: Controller) -> ControlResult:
    """Attended transfer: drop the consulted seat and go back to the caller."""
    return await _control(session, redis, principal, call_id, "transfer_cancel")


@router.post("/{call_id}/parties", response_model=ControlResult)
async def add_party(call_id: IdPath, body: PartyRequest, session: SessionDep, redis: CommandChannel,
                    principal: Controller, resources: ResourcesDep, uow: UnitOfWorkDep) -> ControlResult:
    """Three-way call: bring an expert seat, extension or outside number into the call (R-06).
    An outside number must be on the allow-list (HOTLINE_OUTSIDE_NUMBERS), is rate-limited per
    user and audited, and sees the hotline's number (R-35)."""
    if body.number is not None:
        await visible_call(session, principal, call_id, AcdStore(redis.redis))
        try:
            await authorise(session, redis.redis, resources.settings, principal=principal, number=body.number,
                            call_id=call_id)
        except (Unprocessable, TooManyRequests) as refused:  # the refusal stays on record though the request fails
            raise uow.keep_despite(refused) from None
    return await _control(session, redis, principal, call_id, "add_party", body.model_dump(exclude_none=True))


@router.post("/{call_id}/emergency", response_model=ControlResult)
async def emergency(call_id: IdPath, body: EmergencyRequest, session: SessionDep, redis: CommandChannel,
                    principal: Controller) -> ControlResult:
    """Emergency hand-off (R-04): the 110/119/120/122 centre joins the call as a third party."""
    return await _control(session, redis, principal, call_id, "emergency", {"service": body.service})


@router.post("/{call_id}/leave", response_model=ControlResult)
async def leave(call_id: IdPath, session: SessionDep, redis: CommandChannel, principal: Controller) -> ControlResult:
    """The agent leaves; the caller stays connected with the other parties (e.g. the emergency centre)."""
    return await _control(session, redis, principal, call_id, "leave")


@router.post("/{call_id}/hangup", response_model=ControlResult)
async def hangup(call_id: IdPath, session: SessionDep, redis: CommandChannel, principal: Controller) -> ControlResult:
    """End the call for everyone."""
    return await _control(session, redis, principal, call_id, "hangup")


@urgency_router.put("/{call_id}/urgency", response_model=dict)
async def set_urgency(call_id: IdPath, body: UrgencyRequest, session: SessionDep, redis: RedisDep,
                      principal: Manager, uow: UnitOfWorkDep) -> dict:
    """Mark a waiting call special-urgent (特急): it is served before every other waiting call
    (a call of the supervisor's own region, R-31)."""
    if not principal.scope.everything:  # province staff reach every call; others their region's
        await visible_call(session, principal, call_id)
    store = AcdStore(redis)
    if not await store.set_urgent(call_id, body.urgent):
        raise NotFound("该来电不在排队中 (call is not waiting)")
    await record(session, action="call_urgency_set", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="call", resource_id=call_id, detail={"urgent": body.urgent})
    uow.after_commit(lambda: store.wake("urgency"))
    return {"call_id": call_id, "urgent": body.urgent}


# ---------------------------------------------------------------- block list
@blocklist_router.get("", response_model=list[BlockOut])
async def list_blocked(session: SessionDep, principal: Blocker) -> list[BlockOut]:
    """Every entry of the block list (numbers are personal data: the view is audited)."""
    entries = await blocklist.list_entries(session)
    await record(session, action="blocklist_viewed", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="blocklist", detail={"count": len(entries)})
    now = utcnow()
    return [blocklist.to_out(e, now) for e in entries]


@blocklist_router.post("", response_model=BlockOut, status_code=201)
async def block(body: BlockIn, session: SessionDep, principal: Blocker) -> BlockOut:
    """Warn or suspend a number (again: the entry is updated)."""
    entry, created = await blocklist.upsert(session, body=body, actor_id=principal.user_id)
    await record(session, action="caller_blocked" if created else "caller_block_changed",
                 actor_id=principal.user_id, actor_username=principal.username, resource_type="blocked_caller",
                 resource_id=entry.id, detail={"number": entry.number, "status": entry.status,
                                               "reason": entry.reason,
                                               "until": entry.until.isoformat() if entry.until else None})
    await session.flush()
    return blocklist.to_out(entry, utcnow())


@blocklist_router.delete("/{entry_id}", status_code=204)
async def unblock(entry_id: IdPath, session: SessionDep, principal: Blocker) -> None:
    """Lift a block."""
    entry = await blocklist.remove(session, entry_id=entry_id)
    await record(session, action="caller_unblocked", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="blocked_caller", resource_id=entry_id, detail={"number": entry.number})
