"""Mails taken from the hotline's mailbox (信箱): one row per IMAP message, written in the same
transaction as its ticket, so a message is taken once across restarts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class MailboxMessage(Base):
    """(folder, UIDVALIDITY, UID) names one message for ever (RFC 3501): the poller asks only for
    UIDs above the highest one kept here for the folder's current UIDVALIDITY, and the unique key
    refuses a second take. The automatic reply is sent after the commit and marked here."""

    __tablename__ = "mailbox_messages"
    __table_args__ = (UniqueConstraint("folder", "uidvalidity", "uid", name="uq_mailbox_messages_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    skipped: Mapped[str | None] = mapped_column(String(200))  # why no ticket was made (an auto-reply, a bounce)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_sent_at: Mapped[datetime | None]
    reply_attempts: Mapped[int] = mapped_column(Integer, default=0)
    reply_error: Mapped[str | None] = mapped_column(String(500))
