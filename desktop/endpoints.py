"""Desktop API: one's softphone account, expert seats for transfers, the screen pop, today's figures."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from access.permissions import Permission
from access.principal import Principal
from acd.store import AcdStore
from audit.service import record
from desktop import service
from desktop.schemas import (
    ExpertSeatOut,
    ProgressToldIn,
    ProgressToldOut,
    ScreenPopOut,
    SoftphoneOut,
    TodayOut,
)
from desktop.screenpop import screen_pop, tell_progress
from desktop.softphone import has_seat, softphone_config
from desktop.today import today_counts
from pbx.seat_secrets import seat_password
from web.deps import IdPath, RedisDep, ResourcesDep, SessionDep, require

router = APIRouter(prefix="/desktop", tags=["desktop"])
Seat = Annotated[Principal, Depends(require(Permission.ACD_SELF))]
Controller = Annotated[Principal, Depends(require(Permission.CALL_CONTROL))]
CallReader = Annotated[Principal, Depends(require(Permission.CALL_READ))]


@router.get("/softphone", response_model=SoftphoneOut)
async def softphone(principal: Seat, session: SessionDep, resources: ResourcesDep,
                    response: Response) -> SoftphoneOut:
    """The SIP account of one's own browser softphone (its password included; audited). The
    password is the seat's current secret: after a rotation the next sign-in gets the new one."""
    extension = principal.extension
    password = await seat_password(session, resources.settings, extension) if has_seat(extension) else ""
    config = softphone_config(resources.settings, extension=extension, display_name=principal.display_name,
                              password=password)
    await record(session, action="softphone_credentials_issued", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="sip_endpoint", resource_id=config.endpoint)
    response.headers["Cache-Control"] = "no-store"
    return config


@router.get("/experts", response_model=list[ExpertSeatOut])
async def experts(_: Controller, session: SessionDep, redis: RedisDep) -> list[ExpertSeatOut]:
    """Expert seats (专家座席) by department with their live state, for transfers (R-06)."""
    return await service.expert_seats(session, redis)


@router.get("/screen-pop/{call_id}", response_model=ScreenPopOut)
async def read_screen_pop(call_id: IdPath, principal: CallReader, session: SessionDep, redis: RedisDep,
                          response: Response) -> ScreenPopOut:
    """Caller, IVR path, history, open tickets with progress (R-07), block status (R-26); audited (R-35).
    A seat sees the calls it takes part in only."""
    pop = await screen_pop(session, AcdStore(redis), principal=principal, call_id=call_id)
    if pop.caller.usable:
        await record(session, action="personal_data_viewed", actor_id=principal.user_id,
                     actor_username=principal.username, resource_type="call", resource_id=call_id,
                     detail={"where": "screen_pop", "ticket_ids": [t.id for t in pop.open_tickets + pop.history]})
    response.headers["Cache-Control"] = "no-store"
    return pop


@router.post("/screen-pop/{call_id}/progress-told", response_model=ProgressToldOut, status_code=201)
async def progress_told(call_id: IdPath, body: ProgressToldIn, principal: Controller,
                        session: SessionDep, redis: RedisDep) -> ProgressToldOut:
    """R-07: record that the caller was told their open ticket's progress (no duplicate ticket)."""
    told = await tell_progress(session, AcdStore(redis), principal=principal, call_id=call_id,
                               ticket_id=body.ticket_id)
    await record(session, action="progress_told", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="call", resource_id=call_id, detail={"ticket_id": body.ticket_id})
    return told


@router.get("/today", response_model=TodayOut)
async def today(principal: Seat, session: SessionDep) -> TodayOut:
    """One's own figures since local midnight: calls answered, talk time, tickets, direct answers."""
    return await today_counts(session, user_id=principal.user_id)
