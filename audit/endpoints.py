"""Audit log API: read-only by design (there is no route that edits or deletes an event)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from access.permissions import Permission
from access.principal import Principal
from audit.schemas import AuditEventOut
from audit.service import record, search_query
from core.types import Moment
from models import AuditEvent
from web.deps import SessionDep, require

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/events", response_model=list[AuditEventOut])
async def list_events(
    session: SessionDep, principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    actor: str | None = Query(default=None, max_length=64), action: str | None = Query(default=None, max_length=48),
    resource_type: str | None = Query(default=None, max_length=32),
    resource_id: str | None = Query(default=None, max_length=64),
    since: Moment | None = None, until: Moment | None = None,
    limit: int = Query(default=100, ge=1, le=1000), offset: int = Query(default=0, ge=0, le=10_000_000),
) -> list[AuditEvent]:
    """Audit events within one's organisation scope, newest first, filtered by actor, action, resource and time."""
    query = search_query(scope=principal.scope, actor=actor, action=action, resource_type=resource_type,
                         resource_id=resource_id, since=since, until=until).limit(limit).offset(offset)
    events = list((await session.scalars(query)).all())
    # the log names callers' numbers (searches, block list): reading it is a view of personal data too
    filters = {"actor": actor, "action": action, "resource_type": resource_type, "resource_id": resource_id,
               "since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    await record(session, action="audit_viewed", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="audit_log", detail={**{k: v for k, v in filters.items() if v is not None},
                                                    "count": len(events)})
    return events
