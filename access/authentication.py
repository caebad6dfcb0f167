"""Who a request is: the principal a bearer token stands for, loaded from the database.

Used by every authenticated route (web.deps) and by the websocket gateways (realtime), so it
lives here, below both; signing in (passwords) stays in accounts.
"""
from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import CLIENT_SCOPES, Permission
from access.principal import CLIENT_ROLE, Principal
from access.scope import CENTRE_KINDS, Scope, scope_for
from access.tokens import read_client_token, read_token
from core.errors import Forbidden, Unauthorized
from models import ApiClient, OrgUnit, User

CLIENT_REFUSED = "API 客户端无权访问此接口 (an API client token does not reach this route)"


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
    if claims is None and token and read_client_token(token, key=key) is not None:
        raise Forbidden(CLIENT_REFUSED)  # a client reaches only the routes its scopes open
    if claims is None:
        raise Unauthorized("未登录或登录已过期 (not authenticated or token expired)")
    user = await session.get(User, claims.user_id)
    if user is None or not user.active or user.token_version != claims.token_version:
        raise Unauthorized("登录已失效 (token revoked)")
    return await principal_for(session, user)


def client_principal(client: ApiClient) -> Principal:
    """The principal of an API client: its granted scopes and nothing else (no role, no region)."""
    scopes = frozenset(Permission(s) for s in client.scopes if s in {p.value for p in CLIENT_SCOPES})
    return Principal(user_id=None, username=f"api:{client.client_id}", display_name=client.name, role=CLIENT_ROLE,
                     org_unit_id=None, extension=None, scope=Scope(), client_id=client.id, scopes=scopes)


async def principal_or_client_from_token(session: AsyncSession, token: str | None, *, key: str) -> Principal:
    """The principal of a person's or an API client's bearer token (routes that clients may reach)."""
    claims = read_client_token(token, key=key) if token else None
    if claims is None:
        return await principal_from_token(session, token, key=key)
    client = await session.get(ApiClient, claims.client_pk)
    if client is None or not client.active or client.token_version != claims.token_version:
        raise Unauthorized("客户端令牌已失效 (client token revoked)")
    return client_principal(client)
