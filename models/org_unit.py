"""Organisation tree: hotline centres, sub-centres and handling units (承办单位)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

# kind values:
#   hotline_centre  province 12345 centre (省12345热线中心) or a city centre (市州12345中心)
#   sub_centre      分中心: a merged department hotline answering for a domain
#   government      a people's government at some level (区县政府, 乡镇/街道办)
#   department      a functional department (职能部门) of a government
#   vertical        a vertically managed agency (垂直管理单位, e.g. tax, power grid regulator)
#   enterprise      a public-service enterprise (water, power, gas …)
#   discipline      a discipline inspection body (纪检监察机关)
ORG_KINDS = ("hotline_centre", "sub_centre", "government", "department", "vertical", "enterprise", "discipline")
LEVELS = ("province", "city", "county", "township")


class OrgUnit(Base):
    """A node of the organisation tree; handling units hang under the level they serve."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # duty domains (行业/职责), e.g. ["housing", "water"]; drives dispatch suggestions
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the body that handles complaints about this unit's conduct: superior or discipline body
    oversight_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
