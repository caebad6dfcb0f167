"""Click-to-call (外呼): `POST /api/v1/calls/outbound {"number", "ticket_id"?, "callback_id"?}` rings the
signed-in seat first, then the citizen over the trunk showing 12345 (HOTLINE_OUTBOUND_CALLER_ID);
recorded, a call record with direction `outbound` linked to the ticket or callback task.

The number passes the outside-number allow-list, the per-user hourly limit and the audit
(calls.outside.authorise). A worker (ivr.outbound) places the call: the API pushes the order on the
Redis list `hotline:outbound` (any live worker takes it) and waits for its answer (≤ 11 s)."""
from __future__ import annotations

import json
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from calls.commands import COMMAND_TIMEOUT, _wait_reply
from calls.control import ServiceUnavailable
from calls.outside import authorise
from core.errors import Conflict, NotFound, TooManyRequests, Unprocessable
from core.types import Strict
from models import CallbackTask, User
from web.deps import RedisDep, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders.repository import get_visible

router = APIRouter(prefix="/calls", tags=["calls"])
Seat = Annotated[Principal, Depends(require(Permission.CALL_CONTROL))]
OUTBOUND_KEY = "hotline:outbound"  # orders for any worker (ivr.outbound)
MAX_ID = 2**31 - 1


class OutboundIn(Strict):
    number: str = Field(min_length=3, max_length=20, pattern=r"^[0-9]+$")
    ticket_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    callback_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class OutboundOut(BaseModel):
    call_id: int
    number: str
    extension: str
    ticket_id: int | None
    callback_id: int | None


@router.post("/outbound", response_model=OutboundOut)
async def click_to_call(body: OutboundIn, session: SessionDep, uow: UnitOfWorkDep, redis: RedisDep,
                        resources: ResourcesDep, principal: Seat) -> OutboundOut:
    """Ring one's own seat, then the citizen (R-16 callbacks, 漏接回拨)."""
    extension = await session.scalar(select(User.extension).where(User.id == principal.user_id))
    if not extension:
        raise Unprocessable("您没有分机，不能外呼 (no extension: sign in at a seat)")
    region = None
    if body.ticket_id is not None:
        region = (await get_visible(session, principal, body.ticket_id)).region_code  # 404 if not one's own
    if body.callback_id is not None:
        task = await session.scalar(select(CallbackTask).where(
            CallbackTask.id == body.callback_id, principal.scope.region_clause(CallbackTask.region_code)))
        if task is None:
            raise NotFound("回拨任务不存在 (no such callback task)")
        region = region or task.region_code
    try:
        await authorise(session, redis, resources.settings, principal=principal, number=body.number, call_id=None)
    except (Unprocessable, TooManyRequests) as refused:  # the refusal stays on record
        raise uow.keep_despite(refused) from None
    delivery = secrets.token_hex(8)
    order = {"id": delivery, "reply_to": delivery, "expires_at": time.time() + COMMAND_TIMEOUT,
             "user_id": principal.user_id, "extension": extension, "number": body.number,
             "ticket_id": body.ticket_id, "callback_id": body.callback_id, "region_code": region}
    await redis.rpush(OUTBOUND_KEY, json.dumps(order))
    reply = await _wait_reply(redis, delivery, COMMAND_TIMEOUT + 1)
    if reply is None:
        await redis.lrem(OUTBOUND_KEY, 0, json.dumps(order))
        raise ServiceUnavailable("外呼服务暂不可用 (no worker took the call)")
    if not reply.get("ok"):
        raise Conflict(reply.get("detail") or "外呼失败 (call not placed)")
    return OutboundOut(call_id=reply["data"]["call_id"], number=body.number, extension=extension,
                       ticket_id=body.ticket_id, callback_id=body.callback_id)
