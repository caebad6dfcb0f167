"""Dispatch precedents (R-08): ownership decided by the hotline's coordination, followed by similar matters."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class DispatchPrecedent(Base):
    """A coordination decision: matters of this domain, area and kind go to this lead (and co) unit."""

    __tablename__ = "dispatch_precedents"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter: Mapped[str] = mapped_column(String(200))  # short description of the kind of matter
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    domain: Mapped[str | None] = mapped_column(String(32))
    region_prefix: Mapped[str] = mapped_column(String(12), index=True)
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    co_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_ticket_id: Mapped[int | None]  # the ticket whose coordination made it (no FK: tickets refer here)
    note: Mapped[str | None] = mapped_column(String(500))
