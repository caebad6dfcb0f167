"""Where each further consumer of the outbox stands (the feed sequencer, the AMQP relay, webhooks)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class OutboxConsumer(Base):
    """One consumer's cursor: the last outbox `seq` it has fully handled; its failures.

    The row named "sequencer" holds the last seq handed out (events.sequence): it is locked
    while sequencing, so sequence numbers follow the order rows became visible.
    """

    __tablename__ = "outbox_consumers"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed passes in a row
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
