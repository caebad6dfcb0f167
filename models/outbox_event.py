"""The outbox (transactional outbox): domain events written in the transaction that caused them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class OutboxEvent(Base):
    """One domain event, committed with the change it reports; published on the bus after the commit.

    published_at stays null until the event was handed to the bus: a process that dies between
    the commit and the publication leaves the row for the relay (events.outbox.relay_pending).
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        # the sequencer's work list: rows committed but not yet sequenced (few at any time)
        Index("ix_outbox_events_unsequenced", "id", postgresql_where=text("seq IS NULL"),
              sqlite_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # publication order
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # publications tried by the relay
    # the order in which the row became visible (committed), handed out by events.sequence: the
    # cursor of the feed, the AMQP relay and the webhooks (ids follow insertion, not commit order)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
