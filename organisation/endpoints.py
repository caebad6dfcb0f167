"""Organisation API: regions (行政区划) and units, read by everyone signed in, changed by admins."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from access.scope import Scope
from audit.service import record
from core.errors import Conflict, Forbidden, NotFound
from models import OrgUnit, Region
from organisation.schemas import RegionOut, UnitCreate, UnitOut, UnitUpdate
from organisation.service import get_unit
from organisation.units_data import DOMAIN_NAMES
from web.deps import IdPath, SessionDep, require

router = APIRouter(prefix="/org", tags=["organisation"])
Reader = Annotated[Principal, Depends(require(Permission.ORG_READ))]
Writer = Annotated[Principal, Depends(require(Permission.ORG_WRITE))]


@router.get("/regions", response_model=list[RegionOut])
async def list_regions(
    session: SessionDep, _: Reader, parent: str | None = Query(default=None, pattern=r"^[0-9]{6,12}$"),
    level: str | None = Query(default=None, pattern="^(province|city|county|township)$"),
) -> list[Region]:
    """Administrative divisions, filtered by parent code or level (for the region picker)."""
    query = select(Region).order_by(Region.code)
    if parent:
        query = query.where(Region.parent_code == parent)
    if level:
        query = query.where(Region.level == level)
    return list((await session.scalars(query)).all())


@router.get("/domains")
async def list_domains(_: Reader) -> dict[str, str]:
    """Duty domains (行业/职责) and their Chinese names."""
    return DOMAIN_NAMES


@router.get("/units", response_model=list[UnitOut])
async def list_units(
    session: SessionDep, _: Reader,
    kind: str | None = Query(default=None, max_length=24),
    region: str | None = Query(default=None, pattern=r"^[0-9]{2,12}$", description="region code prefix"),
    domain: str | None = Query(default=None, max_length=32),
) -> list[OrgUnit]:
    """Units, filtered by kind, region prefix or duty domain."""
    query = select(OrgUnit).order_by(OrgUnit.id)
    if kind:
        query = query.where(OrgUnit.kind == kind)
    if region:
        query = query.where(OrgUnit.region_code.startswith(region))
    units = list((await session.scalars(query)).all())
    return [u for u in units if domain in u.domains] if domain else units


@router.get("/units/{unit_id}", response_model=UnitOut)
async def read_unit(unit_id: IdPath, session: SessionDep, _: Reader) -> OrgUnit:
    """One unit."""
    return await get_unit(session, unit_id)


async def _check_references(session, *, region_code=None, parent_id=None, oversight_unit_id=None) -> None:
    if region_code and await session.get(Region, region_code) is None:
        raise NotFound(f"行政区划 {region_code} 不存在 (region not found)")
    for unit_id in (parent_id, oversight_unit_id):
        if unit_id:
            await get_unit(session, unit_id)


# A city centre's admins change the city's part of the tree, a unit's admins the units below
# theirs: never the province's departments or another city's units.
OUTSIDE_SCOPE = "超出本单位管辖范围 (outside your organisation scope)"


def _covers(scope: Scope, unit: OrgUnit) -> bool:
    return scope.everything or scope.covers_region(unit.region_code) or scope.covers_unit(unit.id)


async def _check_new_unit(session, principal: Principal, body: UnitCreate) -> None:
    scope = principal.scope
    if scope.everything:
        return
    parent = await get_unit(session, body.parent_id) if body.parent_id else None
    if scope.is_unit_scope:
        inside = parent is not None and scope.covers_unit(parent.id)
    else:
        inside = scope.covers_region(body.region_code) and (parent is None or _covers(scope, parent))
    if not inside:
        raise Forbidden(OUTSIDE_SCOPE)


@router.post("/units", response_model=UnitOut, status_code=201)
async def create_unit(body: UnitCreate, session: SessionDep, principal: Writer) -> OrgUnit:
    """Add a unit to the tree."""
    if await session.scalar(select(OrgUnit.id).where(OrgUnit.code == body.code)):
        raise Conflict(f"单位编码 {body.code} 已存在 (unit code taken)")
    await _check_references(session, region_code=body.region_code, parent_id=body.parent_id,
                            oversight_unit_id=body.oversight_unit_id)
    await _check_new_unit(session, principal, body)
    unit = OrgUnit(**body.model_dump())
    session.add(unit)
    await session.flush()
    await record(session, action="unit_created", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="org_unit", resource_id=unit.id, detail=body.model_dump())
    return unit


@router.patch("/units/{unit_id}", response_model=UnitOut)
async def update_unit(unit_id: IdPath, body: UnitUpdate, session: SessionDep, principal: Writer) -> OrgUnit:
    """Rename a unit, change its domains, oversight body or status."""
    unit = await get_unit(session, unit_id)
    if not _covers(principal.scope, unit):
        raise Forbidden(OUTSIDE_SCOPE)
    changes = body.model_dump(exclude_unset=True)
    await _check_references(session, oversight_unit_id=changes.get("oversight_unit_id"))
    for key, value in changes.items():
        setattr(unit, key, value)
    await record(session, action="unit_updated", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="org_unit", resource_id=unit.id, detail=changes)
    return unit
