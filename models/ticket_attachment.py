"""Files attached to a ticket: photos and PDFs a caller sends, or a unit adds as proof of handling."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class TicketAttachment(Base):
    """One stored file: its name as uploaded, its sniffed type, size and SHA-256, who added it.

    The bytes live under the platform's var dir (`storage_name`, relative to it), readable by the
    platform's user only. `hotline_only`: added on the hotline side to a ticket whose callers are
    hidden from units (confidential callers, reporters, R-25) — what such a caller supplied may
    name them, so units never see it. Decided when the file is added, never cleared.
    """

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # as the uploader named it (cleaned), for download
    content_type: Mapped[str] = mapped_column(String(64))  # from the file's first bytes, not the client's word
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(200))  # path under settings.storage.var_dir
    side: Mapped[str] = mapped_column(String(16))  # hotline / unit
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))  # the uploader's unit
    hotline_only: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
