"""The scorecard weights' published versions (like the time-limit policy: one active, kept forever)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audit.service import record
from core.errors import Conflict
from models import ScorecardWeights
from reports.scoring import check_weights


async def active(session: AsyncSession) -> ScorecardWeights | None:
    return await session.scalar(select(ScorecardWeights).where(ScorecardWeights.active.is_(True)))


async def versions(session: AsyncSession) -> list[ScorecardWeights]:
    return list((await session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.published_at.desc(),
                                                                         ScorecardWeights.id.desc()))).all())


async def publish(session: AsyncSession, *, version: str, weights: dict[str, float], note: str | None,
                  username: str, user_id: int, now: datetime) -> ScorecardWeights:
    """Publish a new version and make it the active one (BadWeights, Conflict on a taken version)."""
    body = check_weights(weights)
    if await session.scalar(select(ScorecardWeights.id).where(ScorecardWeights.version == version)):
        raise Conflict(f"版本 {version} 已存在 (version already published)")
    await session.execute(update(ScorecardWeights).where(ScorecardWeights.active.is_(True)).values(active=False))
    row = ScorecardWeights(version=version, body=body, published_at=now, published_by=username, note=note, active=True)
    session.add(row)
    await session.flush()
    await record(session, action="scorecard_weights_published", actor_id=user_id, actor_username=username,
                 resource_type="scorecard_weights", resource_id=row.id, detail={"version": version, "weights": body})
    return row


def as_dict(row: ScorecardWeights) -> dict:
    return {"version": row.version, "weights": row.body, "published_at": row.published_at.isoformat(),
            "published_by": row.published_by, "note": row.note, "active": row.active}
