"""Where a written request came from and what it lacked: one row per ticket entered by a channel
other than the phone (portal, mailbox, app, upstream platforms), kept beside the ticket."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class IntakeRequest(Base):
    """The channel's own facts (a mail's sender and subject, an upstream platform's reference) and
    the intake queue's record: which R-05 elements were missing, who accepted it and how.

    `email` is personal data: shown to hotline staff only, never to units.
    """

    __tablename__ = "intake_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(24))
    source: Mapped[str | None] = mapped_column(String(64))  # the client or platform that handed it over
    external_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)  # R-05 elements absent at submission
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(24))  # dispatch / out_of_scope / direct_answer / merge
