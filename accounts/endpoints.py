"""Sign-in (OAuth2 password flow), the current user, and user administration."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select

from access.permissions import ROLE_PERMISSIONS, Permission, Role
from access.principal import Principal
from access.tokens import issue_client_token, issue_token
from accounts import service
from accounts.revocation import Revocation, revocation_reasons
from accounts.schemas import MeOut, PasswordChange, TokenOut, UserCreate, UserOut, UserUpdate
from accounts.security import hash_password, verify_password
from accounts.throttle import LoginThrottle
from audit.service import record
from clients import service as clients
from core.context import client_ip_var
from core.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from models import OrgUnit, User
from organisation.service import get_unit
from web.deps import IdPath, PrincipalDep, RedisDep, ResourcesDep, SessionDep, UnitOfWorkDep, require

public_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(tags=["accounts"])


def get_revocation(request: Request) -> Revocation:
    """The revocation the composition root wired (api.app)."""
    return request.app.state.revocation


RevocationDep = Annotated[Revocation, Depends(get_revocation)]


class TokenForm:
    """The token request (OAuth2): a person's password grant, or an API client's client credentials."""

    def __init__(
        self,
        grant_type: Annotated[str | None, Form(pattern="^(password|client_credentials)$")] = None,
        username: Annotated[str | None, Form()] = None,
        password: Annotated[str | None, Form()] = None,
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
        scope: Annotated[str, Form()] = "",
    ) -> None:
        self.grant_type = grant_type or "password"
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.scope = scope


def _require_fields(form: TokenForm, *names: str) -> None:
    missing = [name for name in names if not getattr(form, name)]
    if missing:
        raise Unprocessable(f"缺少 {', '.join(missing)} (missing: {', '.join(missing)})", code="invalid_request",
                            detail={"missing": missing})


@public_router.post("/token", response_model=TokenOut)
async def login(
    form: Annotated[TokenForm, Depends()], session: SessionDep, redis: RedisDep,
    resources: ResourcesDep, uow: UnitOfWorkDep,
) -> TokenOut:
    """Exchange username and password (grant_type=password, the default) or an API client's
    client_id and client_secret (grant_type=client_credentials) for a bearer token (throttled
    after repeated failures)."""
    settings = resources.settings
    throttle = LoginThrottle(redis, max_failures=settings.security.login_max_failures,
                             window_seconds=settings.security.login_lockout_seconds,
                             max_failures_per_address=settings.security.login_max_failures_per_address,
                             max_failures_per_account=settings.security.login_max_failures_per_account)
    ip = client_ip_var.get()
    if form.grant_type == "client_credentials":
        return await _client_token(form, session, throttle, ip, resources, uow)
    _require_fields(form, "username", "password")
    username = form.username[:64]
    await throttle.check(username, ip)
    user = await service.authenticate(session, username, form.password[:256])
    if user is None:
        await throttle.record_failure(username, ip)
        await record(session, action="login_failed", actor_id=None, actor_username=username)
        raise uow.keep_despite(Unauthorized("用户名或密码错误 (wrong username or password)"))
    await throttle.record_success(username, ip)
    await record(session, action="login", actor_id=user.id, actor_username=user.username,
                 resource_type="user", resource_id=user.id)
    ttl = timedelta(minutes=settings.security.token_ttl_minutes)
    token = issue_token(user_id=user.id, token_version=user.token_version, key=resources.secret_key, ttl=ttl)
    return TokenOut(access_token=token, expires_in=int(ttl.total_seconds()))


async def _client_token(form: TokenForm, session, throttle: LoginThrottle, ip: str | None, resources,
                        uow) -> TokenOut:
    """OAuth2 client credentials: a token holding the client's scopes and nothing else."""
    _require_fields(form, "client_id", "client_secret")
    account = f"client:{form.client_id[:40]}"
    await throttle.check(account, ip)
    client = await clients.authenticate_client(session, form.client_id, form.client_secret)
    if client is None:
        await throttle.record_failure(account, ip)
        await record(session, action="client_auth_failed", actor_id=None, actor_username=account[:64])
        raise uow.keep_despite(Unauthorized("客户端凭据错误 (invalid client credentials)", code="invalid_client"))
    await throttle.record_success(account, ip)
    ttl = timedelta(minutes=resources.settings.integration.client_token_ttl_minutes)
    token = issue_client_token(client_pk=client.id, token_version=client.token_version, key=resources.secret_key,
                               ttl=ttl)
    return TokenOut(access_token=token, expires_in=int(ttl.total_seconds()), scope=" ".join(client.scopes))


@router.get("/auth/me", response_model=MeOut)
async def me(principal: PrincipalDep, session: SessionDep) -> MeOut:
    """The signed-in user and what their role may do."""
    user = await session.get(User, principal.user_id)
    perms = sorted(p.value for p in ROLE_PERMISSIONS.get(Role(principal.role), ()))
    return MeOut.model_validate({**UserOut.model_validate(user).model_dump(), "permissions": perms})


@router.post("/auth/password", status_code=204)
async def change_password(body: PasswordChange, principal: PrincipalDep, session: SessionDep,
                          revocation: RevocationDep, uow: UnitOfWorkDep) -> None:
    """Change one's own password; every earlier token and open socket stops working."""
    user = await session.get(User, principal.user_id)
    if not verify_password(user.password_hash, body.current_password):
        raise Unauthorized("当前密码错误 (current password is wrong)")
    user.password_hash = hash_password(body.new_password)
    user.token_version += 1
    await record(session, action="password_changed", actor_id=user.id, actor_username=user.username,
                 resource_type="user", resource_id=user.id)
    await revocation.rotate_seat(session, user)
    uow.after_commit(lambda: revocation.end_sessions(user=user, reasons=["password"]))


@router.get("/users", response_model=list[UserOut])
async def list_users(
    session: SessionDep, principal: Annotated[Principal, Depends(require(Permission.USER_READ))],
    role: str | None = Query(default=None, max_length=16), limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[User]:
    """Accounts within the principal's organisation scope, optionally by role."""
    query = (select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
             .where(principal.scope.org_clause(OrgUnit.region_code, OrgUnit.id))
             .order_by(User.id).limit(limit).offset(offset))
    if role:
        query = query.where(User.role == role)
    return list((await session.scalars(query)).all())


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(
    body: UserCreate, session: SessionDep, principal: Annotated[Principal, Depends(require(Permission.USER_WRITE))],
) -> User:
    """Create an account (administrators; a city centre's only inside its region)."""
    await _unit_in_scope(session, principal, body.org_unit_id)
    user = await service.create_user(session, **body.model_dump())
    await record(session, action="user_created", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="user", resource_id=user.id, detail={"username": user.username, "role": user.role})
    return user


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: IdPath, body: UserUpdate, session: SessionDep,
    principal: Annotated[Principal, Depends(require(Permission.USER_WRITE))], revocation: RevocationDep,
    uow: UnitOfWorkDep,
) -> User:
    """Change an account's role, unit, status or password; revokes its tokens. Disabling it or
    changing its password, role or unit also closes its sockets and logs its seat out of the ACD."""
    user = await session.get(User, user_id)
    if user is None or not await _in_scope(session, principal, user.org_unit_id):
        raise NotFound(f"用户 {user_id} 不存在 (user not found)")
    # null means "no change", never a null column
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "org_unit_id" in changes:
        await _unit_in_scope(session, principal, changes["org_unit_id"])
    password = changes.pop("password", None)
    before = {"active": user.active, "role": user.role, "org_unit_id": user.org_unit_id}
    for key, value in changes.items():
        setattr(user, key, value)
    if password:
        user.password_hash = hash_password(password)
    user.token_version += 1
    await record(session, action="user_updated", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="user", resource_id=user.id,
                 detail={**changes, **({"password": "reset"} if password else {})})
    reasons = revocation_reasons(before=before, after={"active": user.active, "role": user.role,
                                                       "org_unit_id": user.org_unit_id},
                                 password_changed=bool(password))
    if reasons:
        await revocation.rotate_seat(session, user)
        uow.after_commit(lambda: revocation.end_sessions(user=user, reasons=reasons))
    return user


async def _in_scope(session: SessionDep, principal: Principal, unit_id: int) -> bool:
    """True when the unit lies inside the principal's organisation scope (R-31)."""
    unit = await session.get(OrgUnit, unit_id)
    return unit is not None and principal.scope.covers_org(unit.region_code, unit.id)


async def _unit_in_scope(session: SessionDep, principal: Principal, unit_id: int) -> None:
    """A unit may receive users only from someone whose scope covers it (404 if there is none)."""
    await get_unit(session, unit_id)
    if not await _in_scope(session, principal, unit_id):
        raise Forbidden(f"单位 {unit_id} 不在您的管辖范围内 (unit outside your region)")
