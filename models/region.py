"""Administrative divisions (行政区划, GB/T 2260 codes) of Sichuan."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Region(Base):
    """A province, city/prefecture (市州), county/district (区县) or township/street (乡镇街道)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province | city | county | township
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
