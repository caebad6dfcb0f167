"""Callbacks API: run the due surveys now, list surveys, the callback tasks (missed calls and
unreached surveys) with their due times, close a task, and the SMS gateway's replies."""
from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from callbacks import schemas, service, sms_surveys
from callbacks.tasks import wake_dialers
from core.errors import Conflict, Forbidden, NotFound
from core.masking import mask_phone
from core.timeutil import utcnow
from models import CallbackSurvey, CallbackTask, Ticket
from web.deps import IdPath, RedisDep, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders.events import TicketNotifier
from workorders.repository import visible_clause

router = APIRouter(prefix="/callbacks", tags=["callbacks"])
public_router = APIRouter(prefix="/callbacks", tags=["callbacks"])
Desk = Annotated[Principal, Depends(require(Permission.TICKET_DISPATCH))]  # hotline side: agents, supervisors
TaskReader = Annotated[Principal, Depends(require(Permission.CALL_READ))]
SURVEY_STATUSES = Literal["scheduled", "calling", "sms_sent", "done", "unreached", "skipped", "cancelled"]


def _phone(principal: Principal, phone: str) -> str | None:
    return phone if principal.can(Permission.PERSONAL_DATA_READ) else mask_phone(phone)


@router.post("/surveys/run", response_model=schemas.RunOut)
async def run_surveys(uow: UnitOfWorkDep, redis: RedisDep, resources: ResourcesDep, principal: Desk,
                      body: schemas.RunIn | None = None) -> schemas.RunOut:
    """Plan the surveys of completed tickets and make every scheduled one due now (supervisor, admin);
    the workers' dialers start them at once, inside the calling window and the channel limit."""
    if principal.role not in ("supervisor", "admin"):
        raise Forbidden("只有班长或管理员可以发起回访 (supervisors and admins only)")
    now, ticket_id = utcnow(), body.ticket_id if body else None
    session = uow.session
    if ticket_id is not None and await session.scalar(
            select(Ticket.id).where(Ticket.id == ticket_id, visible_clause(principal.scope))) is None:
        raise NotFound("工单不存在 (no such ticket)")
    planned = await service.plan_surveys(session, redis, resources.settings, now=now, ticket_id=ticket_id,
                                         notifier=TicketNotifier(uow))
    due = await service.run_now(session, now=now, ticket_id=ticket_id)
    await record(session, action="surveys_run", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="ticket" if ticket_id else "callbacks", resource_id=ticket_id,
                 detail={"planned": len(planned), "due_now": due})
    uow.after_commit(lambda: wake_dialers(redis))
    return schemas.RunOut(planned=len(planned), due_now=due)


@router.get("/surveys", response_model=list[schemas.SurveyOut])
async def list_surveys(session: SessionDep, principal: Desk, status: SURVEY_STATUSES | None = None,
                       ticket_id: int | None = Query(default=None, ge=1, le=schemas.MAX_ID),
                       limit: int = Query(default=100, ge=1, le=500)) -> list[schemas.SurveyOut]:
    """Surveys of the tickets one may see, newest first, with their tries and outcome."""
    query = (select(CallbackSurvey, Ticket.number).join(Ticket, Ticket.id == CallbackSurvey.ticket_id)
             .where(visible_clause(principal.scope)).order_by(CallbackSurvey.id.desc()).limit(limit))
    if status:
        query = query.where(CallbackSurvey.status == status)
    if ticket_id:
        query = query.where(CallbackSurvey.ticket_id == ticket_id)
    rows = (await session.execute(query)).all()
    return [schemas.SurveyOut(
        id=s.id, ticket_id=s.ticket_id, ticket_number=number, phone=_phone(principal, s.phone),
        region_code=s.region_code, channel=s.channel, method=s.method, status=s.status, attempts=s.attempts,
        due_at=s.due_at, last_attempt_at=s.last_attempt_at, last_result=s.last_result, answers=s.answers or {},
        outcome=s.outcome, call_id=s.call_id, recording_id=s.recording_id, created_at=s.created_at,
        finished_at=s.finished_at) for s, number in rows]


@router.get("", response_model=list[schemas.TaskOut])
async def list_tasks(session: SessionDep, principal: TaskReader,
                     kind: Literal["missed_call", "survey"] = "missed_call",
                     status: Literal["open", "done", "expired"] | None = None,
                     limit: int = Query(default=200, ge=1, le=1000)) -> list[schemas.TaskOut]:
    """Callback tasks of one's region, open ones by due time first (numbers masked for roles
    without personal data)."""
    query = select(CallbackTask).where(CallbackTask.kind == kind,
                                       principal.scope.region_clause(CallbackTask.region_code))
    if status:
        query = query.where(CallbackTask.status == status)
    query = query.order_by((CallbackTask.status != "open"), CallbackTask.due_at, CallbackTask.id).limit(limit)
    now = utcnow()
    return [_task_out(principal, t, now) for t in (await session.scalars(query)).all()]


def _task_out(principal: Principal, task: CallbackTask, now) -> schemas.TaskOut:
    return schemas.TaskOut(
        id=task.id, kind=task.kind, phone=_phone(principal, task.phone), status=task.status,
        region_code=task.region_code, created_at=task.created_at, due_at=task.due_at,
        overdue=task.status == "open" and task.due_at < now, abandons=task.abandons, attempts=task.attempts,
        outcome=task.outcome, closed_at=task.closed_at, ticket_id=task.ticket_id, survey_id=task.survey_id,
        last_call_id=task.last_call_id)


@router.post("/{task_id}/close", response_model=schemas.TaskOut)
async def close_task(task_id: IdPath, body: schemas.CloseIn, session: SessionDep, principal: Desk) -> schemas.TaskOut:
    """An agent closes a task after calling back (or finding no need)."""
    task = await session.scalar(select(CallbackTask).where(
        CallbackTask.id == task_id, principal.scope.region_clause(CallbackTask.region_code)).with_for_update())
    if task is None:
        raise NotFound("回拨任务不存在 (no such task)")
    if task.status != "open":
        raise Conflict("回拨任务已关闭 (task already closed)")
    now = utcnow()
    task.status, task.outcome, task.closed_at, task.assignee_id = "done", body.outcome, now, principal.user_id
    await record(session, action="callback_task_closed", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="callback_task", resource_id=task.id,
                 detail={"outcome": body.outcome})
    return _task_out(principal, task, now)


@router.get("/figures", response_model=schemas.FiguresOut)
async def figures(session: SessionDep, principal: TaskReader,
                  days: int = Query(default=1, ge=1, le=90)) -> schemas.FiguresOut:
    """Missed-call callback figures of one's region: callback rate and the share done in time."""
    now = utcnow()
    return schemas.FiguresOut(**await service.task_figures(
        session, since=now - timedelta(days=days), now=now, where=principal.scope.region_clause(CallbackTask.region_code)))


@public_router.post("/sms/inbound", status_code=204)
async def sms_inbound(request: Request, uow: UnitOfWorkDep, resources: ResourcesDep, redis: RedisDep,
                      token: str = Query(max_length=200), sender: str = Query(alias="from", max_length=32),
                      text: str | None = Query(default=None, max_length=500)) -> None:
    """A citizen's SMS reply from the gateway (Kannel sms-service post-url: the text is the body).
    Accepted only with HOTLINE_SMS_INBOUND_TOKEN."""
    secret = resources.settings.callbacks.sms_inbound_token
    if secret is None or not hmac.compare_digest(token, secret.get_secret_value()):
        raise Forbidden("bad token")
    body = text if text is not None else (await request.body())[:2000].decode("utf-8", "replace")
    phone = "".join(c for c in sender if c.isdigit())[-11:] if sender.startswith("+86") else sender
    await sms_surveys.reply_received(uow.session, redis, resources.settings, phone=phone, text=body, now=utcnow(),
                                     notifier=TicketNotifier(uow))
