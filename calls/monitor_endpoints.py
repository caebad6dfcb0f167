"""A supervisor monitoring a live call: POST / PATCH / DELETE /calls/{id}/monitor (R-23, R-35).

Supervisors and administrators only (`call:monitor`), on calls of their region (the call must be
visible to them, calls.visibility: else 404). The platform rings the supervisor seat named in the
request (3001-3010); once answered, `listen` hears both parties without being heard, `whisper`
is heard by the agent only, `barge` joins the call. Like every call command it goes through the
call's own worker (calls.commands; the worker's side is ivr.monitor). Every request is audited,
a refused one too (the refusal stays on record though the request fails).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from acd.store import AcdStore
from audit.service import record
from calls.control import control
from calls.endpoints import CommandChannel
from calls.schemas import ControlResult, MonitorModeRequest, MonitorRequest
from calls.visibility import visible_call
from core.errors import DomainError, Forbidden
from models import User
from web.deps import IdPath, SessionDep, UnitOfWorkDep, require

router = APIRouter(prefix="/calls", tags=["calls"])
Supervisor = Annotated[Principal, Depends(require(Permission.CALL_MONITOR))]


async def _run(session, uow, channel, principal: Principal, call_id: int, action: str, args: dict,
               audit: str) -> ControlResult:
    detail = {k: v for k, v in args.items() if k != "supervisor"}
    await record(session, action=audit, actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="call", resource_id=call_id, detail=detail)
    try:
        data = await control(session, channel.redis, call_id=call_id, action=action, args=args,
                             principal=principal,
                             command_id=f"{principal.user_id}:{call_id}:{action}:{channel.command_id}"
                             if channel.command_id else None)
    except DomainError as refused:
        await record(session, action=f"{audit}_refused", actor_id=principal.user_id,
                     actor_username=principal.username, resource_type="call", resource_id=call_id,
                     detail={**detail, "status": refused.status_code, "reason": str(refused)[:200]})
        raise uow.keep_despite(refused) from None
    return ControlResult(ok=True, call_id=call_id, action=action, data=data)


@router.post("/{call_id}/monitor", response_model=ControlResult)
async def start_monitor(call_id: IdPath, body: MonitorRequest, session: SessionDep, uow: UnitOfWorkDep,
                        channel: CommandChannel, principal: Supervisor) -> ControlResult:
    """Ring the supervisor seat `extension`; once answered it listens (hears both parties, is
    heard by no one), whispers (heard by the agent only) or barges in (joins the call)."""
    await visible_call(session, principal, call_id, AcdStore(channel.redis))  # another region's: 404 first
    owner = await session.scalar(select(User.id).where(User.extension == body.extension, User.active.is_(True)))
    if owner is not None and owner != principal.user_id:
        refused = Forbidden("该分机属于其他人 (that supervisor seat is someone else's)")
        await record(session, action="call_monitor_started_refused", actor_id=principal.user_id,
                     actor_username=principal.username, resource_type="call", resource_id=call_id,
                     detail={"mode": body.mode, "extension": body.extension, "status": 403, "reason": str(refused)})
        raise uow.keep_despite(refused)
    return await _run(session, uow, channel, principal, call_id, "monitor",
                      {"mode": body.mode, "extension": body.extension, "supervisor": principal.username},
                      "call_monitor_started")


@router.patch("/{call_id}/monitor", response_model=ControlResult)
async def change_monitor(call_id: IdPath, body: MonitorModeRequest, session: SessionDep, uow: UnitOfWorkDep,
                         channel: CommandChannel, principal: Supervisor) -> ControlResult:
    """Switch the call's monitor to another mode (listen / whisper / barge)."""
    return await _run(session, uow, channel, principal, call_id, "monitor_mode", {"mode": body.mode},
                      "call_monitor_mode_changed")


@router.delete("/{call_id}/monitor", response_model=ControlResult)
async def stop_monitor(call_id: IdPath, session: SessionDep, uow: UnitOfWorkDep, channel: CommandChannel,
                       principal: Supervisor) -> ControlResult:
    """End the call's monitor (the supervisor's phone is hung up; the call goes on)."""
    return await _run(session, uow, channel, principal, call_id, "monitor_stop", {}, "call_monitor_stopped")
