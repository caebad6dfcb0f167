"""Desktop queries: the expert seats agents transfer to."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from desktop.schemas import ExpertSeatOut
from models import OrgUnit, User


async def expert_seats(session: AsyncSession) -> list[ExpertSeatOut]:
    """Active expert seats with an extension, by department then extension (R-06)."""
    rows = await session.execute(
        select(User, OrgUnit).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.role == "expert", User.active.is_(True), User.extension.is_not(None))
        .order_by(OrgUnit.name, User.extension))
    return [ExpertSeatOut(user_id=user.id, display_name=user.display_name, extension=user.extension,
                          unit_id=unit.id, unit_name=unit.name, domains=list(unit.domains or []))
            for user, unit in rows.all()]
