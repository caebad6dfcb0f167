"""Analytics records (R-34, R-24, R-27): each ticket's topic, the alerts raised on topics, callers and
addresses, and the versioned weights of the service scorecards."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class TicketTopic(Base):
    """The topic (what the request is about) a ticket was grouped into, with the columns the hot-topic
    and surge aggregates group by copied from the ticket (so they are answered from this table alone)."""

    __tablename__ = "ticket_topics"
    __table_args__ = (
        Index("ix_ticket_topics_created_topic", "created_at", "topic"),
        Index("ix_ticket_topics_topic_region_created", "topic", "county_code", "created_at"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))  # the label: leading keywords joined by "·"
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)  # the ticket's own leading keywords
    created_at: Mapped[datetime]  # the ticket's
    region_code: Mapped[str] = mapped_column(String(12))  # the ticket's
    county_code: Mapped[str] = mapped_column(String(6))  # 区县: the first six digits of region_code
    category: Mapped[str] = mapped_column(String(16))
    enterprise_related: Mapped[bool] = mapped_column(Boolean, default=False)


class AnalyticsAlert(Base):
    """One alert episode (预警), from raised to cleared; at most one open per (kind, key) (partial
    unique index), so any number of evaluators raise it once."""

    __tablename__ = "analytics_alerts"
    __table_args__ = (
        Index("uq_analytics_alerts_open_key", "kind", "key", unique=True,
              postgresql_where=text("cleared_at IS NULL"), sqlite_where=text("cleared_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # surge | repeat_caller | collective
    key: Mapped[str] = mapped_column(String(200))  # what makes it the same alert (topic + county, caller, address)
    label: Mapped[str] = mapped_column(String(64))  # the topic
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    notice: Mapped[str] = mapped_column(String(500))  # what supervisors read
    count: Mapped[int] = mapped_column(Integer)  # tickets in the window when raised (updated while open)
    peak: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float, default=0.0)  # the usual count per window
    window_minutes: Mapped[int] = mapped_column(Integer)
    ticket_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # examples (at most 20)
    raised_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement: Mapped[str | None] = mapped_column(String(500))  # what was done


class ScorecardWeights(Base):
    """A published version of the scorecard weights (like the time-limit policy): exactly one active."""

    __tablename__ = "scorecard_weights"
    __table_args__ = (
        Index("uq_scorecard_weights_one_active", "active", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # metric → weight
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
