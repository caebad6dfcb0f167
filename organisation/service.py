"""Organisation tree: seeding the shipped reference data and walking the tree."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from models import OrgUnit, Region
from organisation.regions_data import all_regions
from organisation.units_data import all_units


async def seed_reference_data(session: AsyncSession) -> int:
    """Insert shipped regions and units that are missing (idempotent); returns rows added."""
    added = 0
    known_regions = set((await session.scalars(select(Region.code))).all())
    for code, name, level, parent in all_regions():
        if code not in known_regions:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
            added += 1
    await session.flush()
    ids = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).tuples().all())
    pending_oversight: list[tuple[OrgUnit, str]] = []
    for code, name, kind, level, region, parent, domains, oversight in all_units():
        if code in ids:
            continue
        unit = OrgUnit(code=code, name=name, kind=kind, level=level, region_code=region,
                       parent_id=ids.get(parent) if parent else None, domains=list(domains))
        session.add(unit)
        await session.flush()
        ids[code] = unit.id
        added += 1
        if oversight:
            pending_oversight.append((unit, oversight))
    for unit, oversight in pending_oversight:
        unit.oversight_unit_id = ids.get(oversight)
    await session.flush()
    return added


async def get_unit(session: AsyncSession, unit_id: int) -> OrgUnit:
    """The unit with this id, or NotFound."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(f"单位 {unit_id} 不存在 (unit not found)")
    return unit


async def unit_by_code(session: AsyncSession, code: str) -> OrgUnit:
    """The unit with this code, or NotFound."""
    unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(f"单位 {code} 不存在 (unit not found)")
    return unit
