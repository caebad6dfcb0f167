"""/api/v1/notifications: a person's kept ticket notifications (issue #12), newest first, read marks.

Scoped as live delivery is (workorders.notifications.visible_clause): one's unit's, or one's
role's within one's region; another's notification is answered as if it did not exist (404).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from access.permissions import Permission
from access.principal import Principal
from models import Notification
from web.deps import IdPath, SessionDep, require
from workorders import notifications
from workorders.notification_text import notification_text

router = APIRouter(prefix="/notifications", tags=["notifications"])
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
TICKET_LINK = "/workbench/#ticket/{ticket_id}"


class NotificationOut(BaseModel):
    id: int
    type: str
    ticket_id: int
    number: str
    text: str  # zh-CN, for the reader (workorders.notification_text)
    link: str  # the ticket in the workbench
    created_at: datetime
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_before: int | None  # pass as `before` for the next (older) page; null: this was the last


class UnreadCount(BaseModel):
    unread: int
    capped: bool  # true: at least this many (the count stops at notifications.UNREAD_CAP)


def _out(notification: Notification, read: bool, principal: Principal) -> NotificationOut:
    reader_unit = principal.org_unit_id if principal.scope.is_unit_scope else None  # 你单位 for a unit's staff
    return NotificationOut(id=notification.id, type=notification.type, ticket_id=notification.ticket_id,
                           number=notification.number, created_at=notification.created_at, read=read,
                           text=notification_text(notification.type, notification.data, reader_unit_id=reader_unit),
                           link=TICKET_LINK.format(ticket_id=notification.ticket_id))


async def _count(session, principal: Principal) -> UnreadCount:
    unread = await notifications.unread_count(session, principal)
    return UnreadCount(unread=unread, capped=unread >= notifications.UNREAD_CAP)


@router.get("", response_model=NotificationPage)
async def list_notifications(
    session: SessionDep, principal: Reader,
    unread: bool = Query(default=False, description="only the unread ones"),
    before: int | None = Query(default=None, ge=1, le=2_147_483_647, description="ids below this (the next page)"),
    limit: int = Query(default=20, ge=1, le=100),
) -> NotificationPage:
    """The signed-in person's notifications, newest first, paged by id."""
    items, next_before = await notifications.page(session, principal, unread_only=unread, before=before, limit=limit)
    return NotificationPage(items=[_out(n, read, principal) for n, read in items], next_before=next_before)


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(session: SessionDep, principal: Reader) -> UnreadCount:
    """How many of the person's notifications are unread (the bell's figure)."""
    return await _count(session, principal)


@router.post("/read-all", response_model=UnreadCount)
async def read_all(session: SessionDep, principal: Reader) -> UnreadCount:
    """Mark every notification the person has now as read (全部已读); later ones stay unread."""
    await notifications.mark_all_read(session, principal)
    return await _count(session, principal)


@router.post("/{notification_id}/read", response_model=NotificationOut)
async def read_one(notification_id: IdPath, session: SessionDep, principal: Reader) -> NotificationOut:
    """Mark one notification read (again: no change); 404 when it is not the person's."""
    notification = await notifications.mark_read(session, principal, notification_id)
    return _out(notification, True, principal)
