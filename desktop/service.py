"""Desktop queries: the expert seats agents transfer to, with their live ACD state."""
from __future__ import annotations

import time

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd import states
from acd.store import AcdStore
from desktop.schemas import ExpertSeatOut
from models import OrgUnit, User


async def expert_seats(session: AsyncSession, redis: Redis) -> list[ExpertSeatOut]:
    """Active expert seats with an extension, by department then extension (R-06)."""
    rows = (await session.execute(
        select(User, OrgUnit).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.role == "expert", User.active.is_(True), User.extension.is_not(None))
        .order_by(OrgUnit.name, User.extension))).all()
    store, now = AcdStore(redis), time.time()
    seats = []
    for user, unit in rows:
        record = await store.get_agent(user.id)
        state = states.effective(record.state, now).state if record else states.LOGGED_OUT
        seats.append(ExpertSeatOut(user_id=user.id, display_name=user.display_name, extension=user.extension,
                                   unit_id=unit.id, unit_name=unit.name, domains=list(unit.domains or []),
                                   state=state))
    return seats
