"""API clients (open API, R-01 / R-03): mobile apps and upstream platforms that hand requests over.

A client authenticates with its client_id and client_secret (OAuth2 client credentials) and holds
only its scopes. The secret is kept as a SHA-256 digest (it is 32 random bytes: no slow hash is
needed against guessing); the webhook signing key must be readable to sign callbacks with it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)  # public: hc_…
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    callback_url: Mapped[str | None] = mapped_column(String(500))
    secret_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the client secret
    webhook_secret: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 key of the callbacks
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by rotate/disable: old tokens die
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rotated_at: Mapped[datetime | None]


class ApiRequest(Base):
    """A ticket a client handed over: its reference there, where it came from, when it was received."""

    __tablename__ = "api_requests"
    __table_args__ = (UniqueConstraint("client_id", "external_ref", name="uq_api_requests_client_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime]  # the original receipt upstream (also the ticket's received_at)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One callback (status change or final reply) to one client, retried with backoff until it lands."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)  # delivery order per client
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)  # the outbox event's id (the callback's id)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_status_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
