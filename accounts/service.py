"""Accounts: sign-in, the first administrator, user management."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.security import burn_verification_time, hash_password, verify_password
from core.errors import Conflict, NotFound
from core.timeutil import utcnow
from models import OrgUnit, User
from organisation.service import unit_by_code

log = logging.getLogger(__name__)

PROVINCE_CENTRE_CODE = "SC-12345"


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    """The active user with these credentials, else None (same timing either way)."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


async def create_user(
    session: AsyncSession, *, username: str, password: str, role: str, org_unit_id: int,
    display_name: str | None = None, extension: str | None = None,
) -> User:
    """Create an account; a taken username or extension is a 409."""
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在 (username taken)")
    if extension and await session.scalar(select(User.id).where(User.extension == extension)):
        raise Conflict(f"分机 {extension} 已被占用 (extension taken)")
    if await session.get(OrgUnit, org_unit_id) is None:
        raise NotFound(f"单位 {org_unit_id} 不存在 (unit not found)")
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                role=role, org_unit_id=org_unit_id, extension=extension)
    session.add(user)
    await session.flush()
    return user


async def ensure_admin(session: AsyncSession, password: str | None) -> str | None:
    """On an empty user table create `admin`; returns the generated password if one was made."""
    if await session.scalar(select(func.count(User.id))):
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    centre = await unit_by_code(session, PROVINCE_CENTRE_CODE)
    await create_user(session, username="admin", password=password, role="admin", org_unit_id=centre.id,
                      display_name="热线管理员")
    return generated
