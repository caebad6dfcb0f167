"""Who a request is: the principal a bearer token stands for, loaded from the database.

Used by every authenticated route (web.deps) and by the websocket gateways (realtime), so it
lives here, below both; signing in (passwords) stays in accounts.
"""
from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from access.scope import CENTRE_KINDS, scope_for
from access.tokens import read_token
from core.errors import Unauthorized
from models import OrgUnit, User


async def descendant_ids(session: AsyncSession, unit_id: int) -> frozenset[int]:
    """unit_id and every unit below it (recursive query; works on PostgreSQL and SQLite)."""
    tree = select(OrgUnit.id).where(OrgUnit.id == literal(unit_id)).cte("tree", recursive=True)
    tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return frozenset((await session.scalars(select(tree.c.id))).all())


async def principal_for(session: AsyncSession, user: User) -> Principal:
    """Build the principal (with organisation scope) of a signed-in user."""
    unit = await session.get(OrgUnit, user.org_unit_id)
    assert unit is not None  # foreign key
    units = frozenset() if unit.kind in CENTRE_KINDS else await descendant_ids(session, unit.id)
    scope = scope_for(org_kind=unit.kind, org_level=unit.level, org_region=unit.region_code, unit_ids=units)
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                     org_unit_id=unit.id, extension=user.extension, scope=scope)


async def principal_from_token(session: AsyncSession, token: str | None, *, key: str) -> Principal:
    """The principal a bearer token stands for; Unauthorized for a missing/invalid/revoked one."""
    claims = read_token(token, key=key) if token else None
    if claims is None:
        raise Unauthorized("未登录或登录已过期 (not authenticated or token expired)")
    user = await session.get(User, claims.user_id)
    if user is None or not user.active or user.token_version != claims.token_version:
        raise Unauthorized("登录已失效 (token revoked)")
    return await principal_for(session, user)
