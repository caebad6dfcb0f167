"""Time-limit policy versions (第十三条 as data): seeded, published by administrators, read by tickets."""
from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound, Unprocessable
from core.settings import Settings
from models import TimeLimitPolicyVersion
from worktime import DEFAULT_POLICY, TimeLimitPolicy, policy_from_dict, policy_to_dict

# versions are immutable once published, so parsed policies can be kept for the process's life
_parsed: dict[str, TimeLimitPolicy] = {}
# which version is active, per database, valid while the Redis token is unchanged (bumped on every change)
TOKEN_KEY = "hotline:policy:token"
_active_cache: dict[str, tuple[str, str]] = {}


async def seed_default_policy(session: AsyncSession, _settings: Settings | None = None) -> bool:
    """Publish worktime's DEFAULT_POLICY as the first active version of an empty table."""
    if await session.scalar(select(TimeLimitPolicyVersion.id).limit(1)) is not None:
        return False
    session.add(TimeLimitPolicyVersion(version=DEFAULT_POLICY.version, body=policy_to_dict(DEFAULT_POLICY),
                                       published_by="seed", active=True, note="四川省12345热线运行管理办法（征求意见稿）第十三条"))
    await session.flush()
    return True


async def active_version(session: AsyncSession) -> TimeLimitPolicyVersion:
    """The active policy row (the first one is seeded at start-up: cli/seeding.py)."""
    row = await session.scalar(select(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.active.is_(True)))
    if row is None:
        raise Conflict("没有生效的时限政策 (no active time-limit policy)")
    return row


async def policy_by_version(session: AsyncSession, version: str) -> TimeLimitPolicy:
    """The parsed policy of a version (cached: published versions never change)."""
    policy = _parsed.get(version)
    if policy is None:
        row = await session.scalar(select(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.version == version))
        if row is None:
            raise NotFound(f"时限政策版本 {version} 不存在 (policy version not found)")
        policy = _parsed.setdefault(version, policy_from_dict(row.body))
    return policy


async def active_version_name(session: AsyncSession, redis: Redis) -> str:
    """The active version's name, cached until an administrator publishes or activates one."""
    from workorders.calendar_service import current_token

    bind = session.bind
    key = str(getattr(bind, "url", None) or bind.engine.url)
    token = await current_token(redis, TOKEN_KEY)
    cached = _active_cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    version = (await active_version(session)).version
    _active_cache[key] = (token, version)
    return version


async def bump_token(redis: Redis) -> None:
    """Make every process re-read the active version (call after the change is committed)."""
    import uuid

    await redis.set(TOKEN_KEY, uuid.uuid4().hex)


def parse_policy(body: dict[str, Any]) -> TimeLimitPolicy:
    """Validate a submitted policy; any problem is a 422 naming the field."""
    try:
        return policy_from_dict(body)
    except (ValueError, TypeError) as error:
        raise Unprocessable(f"时限政策无效 (invalid policy): {error}") from None


async def publish(session: AsyncSession, *, body: dict[str, Any], note: str | None, actor: str,
                  activate: bool = True) -> TimeLimitPolicyVersion:
    """Store a new version (and make it the active one); an existing version name is a 409."""
    policy = parse_policy(body)
    taken = await session.scalar(select(TimeLimitPolicyVersion.id).where(TimeLimitPolicyVersion.version == policy.version))
    if taken is not None:
        raise Conflict(f"时限政策版本 {policy.version} 已存在 (version exists; versions are immutable)")
    if activate:
        await _deactivate_all(session)
    row = TimeLimitPolicyVersion(version=policy.version, body=policy_to_dict(policy), published_by=actor,
                                 note=note, active=activate)
    session.add(row)
    await session.flush()
    return row


async def activate(session: AsyncSession, *, version: str) -> TimeLimitPolicyVersion:
    """Make an already published version the active one (e.g. roll back)."""
    row = await session.scalar(select(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.version == version))
    if row is None:
        raise NotFound(f"时限政策版本 {version} 不存在 (policy version not found)")
    await _deactivate_all(session)
    row.active = True
    await session.flush()
    return row


async def _deactivate_all(session: AsyncSession) -> None:
    await session.execute(update(TimeLimitPolicyVersion).where(TimeLimitPolicyVersion.active.is_(True))
                          .values(active=False))
    await session.flush()


async def list_versions(session: AsyncSession) -> list[TimeLimitPolicyVersion]:
    return list((await session.scalars(select(TimeLimitPolicyVersion).order_by(TimeLimitPolicyVersion.id))).all())
