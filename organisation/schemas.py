"""Bodies of the organisation API."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.org_unit import LEVELS, ORG_KINDS


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: str
    parent_code: str | None


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    level: str
    region_code: str
    parent_id: int | None
    domains: list[str]
    oversight_unit_id: int | None
    active: bool


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=2, max_length=128)
    kind: str = Field(pattern="^(" + "|".join(ORG_KINDS) + ")$")
    level: str = Field(pattern="^(" + "|".join(LEVELS) + ")$")
    region_code: str = Field(pattern=r"^[0-9]{6,12}$")
    parent_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    domains: list[str] = Field(default_factory=list, max_length=20)
    oversight_unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=2, max_length=128)
    domains: list[str] | None = Field(default=None, max_length=20)
    oversight_unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    active: bool | None = None
