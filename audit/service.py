"""Writing and reading the append-only audit log (R-35)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from core.context import client_ip_var, request_id_var
from models import AuditEvent, OrgUnit, User

WHOLE_PROVINCE = Scope(everything=True)  # internal readers; the API always passes the reader's scope


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor_id: int | None,
    actor_username: str | None,
    resource_type: str | None = None,
    resource_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (committed with the request's unit of work)."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        actor_username=actor_username,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        ip=client_ip_var.get(),
        request_id=request_id_var.get(),
        detail=detail or {},
    )
    session.add(event)
    await session.flush()
    return event


def search_query(
    *,
    scope: Scope = WHOLE_PROVINCE,
    actor: str | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEvent]]:
    """Audit events of actors inside scope matching every given filter, newest first.

    A region's auditors and admins read what their region's staff did (R-31, R-35): the log
    names callers' numbers and province-wide actions, which are not theirs to read. Events
    without a known actor (failed logins, the scheduler) belong to the province only.
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not scope.everything:
        actors_in_scope = (select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                           .where(scope.org_clause(OrgUnit.region_code, OrgUnit.id)))
        query = query.where(AuditEvent.actor_id.in_(actors_in_scope))
    if actor:
        query = query.where(AuditEvent.actor_username == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if resource_type:
        query = query.where(AuditEvent.resource_type == resource_type)
    if resource_id:
        query = query.where(AuditEvent.resource_id == resource_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return query
