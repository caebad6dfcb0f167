"""Request dependencies: the unit of work (the request owns the transaction) and the principal."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from access.authentication import principal_from_token, principal_or_client_from_token
from access.permissions import Permission
from access.principal import Principal
from core.errors import Forbidden
from core.resources import Resources
from core.settings import Settings
from events.bus import EventBus
from events.unit_of_work import UnitOfWork

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_resources(request: Request) -> Resources:
    return request.app.state.resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


async def get_unit_of_work(resources: ResourcesDep) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request: committed when the endpoint returns, rolled back when it raises.

    scope="function": the exit code runs after the endpoint returned and its response was
    serialised but BEFORE the response is sent, so a failing commit (IntegrityError → 409,
    DataError → 422, api/errors.py) becomes the response, never a success for a lost change.
    """
    async with UnitOfWork(resources.sessionmaker(), EventBus.for_resources(resources)) as uow:
        yield uow


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_session(uow: UnitOfWorkDep) -> AsyncSession:
    """The request's unit-of-work session (endpoints and services flush, never commit)."""
    return uow.session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RedisDep = Annotated[Redis, Depends(get_redis)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def current_principal(
    request: Request, session: SessionDep, resources: ResourcesDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """Authenticate the request (every /api/v1 route depends on this, see api.routes)."""
    principal = await principal_from_token(session, token, key=resources.secret_key)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[..., Principal]:
    """Dependency factory: the principal, if their role holds permission, else 403."""

    async def dependency(principal: PrincipalDep) -> Principal:
        principal.require(permission)
        return principal

    dependency.__name__ = f"require_{permission.name.lower()}"
    dependency.permission = permission  # read by the route-matrix test (tests/access/test_route_matrix.py)
    return dependency


def require_province_wide(permission: Permission) -> Callable[..., Principal]:
    """Dependency factory: the principal, if their role holds permission and their scope is the province."""

    async def dependency(principal: PrincipalDep) -> Principal:
        principal.require_province_wide(permission)
        return principal

    dependency.__name__ = f"require_province_wide_{permission.name.lower()}"
    dependency.permission = permission  # the role gate the route-matrix test reads; the scope is checked too
    return dependency


# database ids are 32-bit: a larger number can never exist, and must not reach the driver
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="numeric id")]


def require_scope(permission: Permission, *, clients_only: bool = False) -> Callable[..., Principal]:
    """Dependency factory for the routes an API client may reach (open API: requests, feed).

    Accepts an API client's token (its granted scopes decide) and, unless clients_only, a
    person's token (the role decides). Every other /api/v1 route refuses a client token
    (current_principal → 403)."""

    async def dependency(request: Request, session: SessionDep, resources: ResourcesDep,
                         token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
        principal = await principal_or_client_from_token(session, token, key=resources.secret_key)
        request.state.principal = principal
        principal.require(permission)
        if clients_only and not principal.is_client:
            raise Forbidden("仅限 API 客户端调用 (API clients only: a client's own requests)")
        return principal

    dependency.__name__ = f"require_scope_{permission.name.lower()}"
    dependency.permission = permission  # read by the route-matrix test (tests/access/test_route_matrix.py)
    return dependency
