"""Callbacks to API clients: every status change of a handed-over request, and its final reply.

Two steps, both in PostgreSQL, run by the relay process (`hotline relay`, and inside `hotline up`):

1. collect: a further consumer of the outbox (events.sequence, cursor "webhooks") turns each
   status event of a ticket a client handed over into a webhook_deliveries row, in the same
   transaction that moves the cursor — each callback is made exactly once, in event order.
2. deliver: each client's oldest pending callback (callbacks to one client go in order) is
   POSTed to its callback_url as JSON signed with HMAC-SHA256; a 2xx marks it delivered,
   anything else is retried with exponential backoff and, after HOTLINE_WEBHOOK_MAX_ATTEMPTS,
   marked failed — listed to admins (GET /api/v1/api-clients/{id}/deliveries), who may retry it.

A crash after a POST succeeded and before it was marked repeats it with the same event id
(at least once); receivers drop a repeated `id`.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from clients.service import final_reply
from core.settings import Settings
from core.timeutil import utcnow
from events.sequence import consumer, rows_after, sequence_pending
from models import ApiClient, ApiRequest, OutboxEvent, Ticket, WebhookDelivery
from workorders.state_machine import STATUS_LABELS, Status

log = logging.getLogger(__name__)
CONSUMER = "webhooks"
COLLECT_BATCH = 500
MAX_BACKOFF = timedelta(hours=1)
# the events a requester is told of: its status changes and the final reply (never supervision
# findings such as ticket.overdue / ticket.reminder, which are internal)
# (ticket.accepted: an agent accepted a hand-over that waited in the intake queue)
CALLBACK_TYPES = frozenset({"ticket.created", "ticket.accepted", "ticket.dispatched", "ticket.signed", "ticket.returned",
                            "ticket.extension_decided", "ticket.completed", "ticket.callback_recorded",
                            "ticket.closed"})
SIGNATURE_HEADER = "X-Hotline-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: sha256=HMAC-SHA256(secret, timestamp + "." + body), hex."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def callback_payload(row: OutboxEvent, request: ApiRequest, ticket: Ticket) -> dict[str, Any]:
    """What a client is told: the event id and type, its request's status then, the reply."""
    status = Status(row.payload.get("status", ticket.status))
    payload: dict[str, Any] = {
        "id": row.id, "type": row.type, "at": row.created_at.isoformat(),
        "request": {"number": ticket.number, "external_ref": request.external_ref, "source": request.source,
                    "status": status.value, "status_label": STATUS_LABELS[status]}}
    if row.type in ("ticket.completed", "ticket.closed"):
        payload["reply"] = final_reply(ticket)
    return payload


async def collect(sessionmaker: async_sessionmaker[AsyncSession], *, batch: int = COLLECT_BATCH) -> int:
    """Turn the outbox events after the cursor into callbacks; how many callbacks were made."""
    await sequence_pending(sessionmaker)
    made = 0
    while True:
        async with sessionmaker() as session:
            cursor = await consumer(session, CONSUMER, lock=True)
            rows = await rows_after(session, cursor.position, limit=batch)
            wanted = [r for r in rows if r.type in CALLBACK_TYPES and isinstance(r.payload.get("ticket_id"), int)]
            ticket_ids = {r.payload["ticket_id"] for r in wanted}
            handed = {}
            if ticket_ids:
                found = await session.execute(
                    select(ApiRequest, Ticket, ApiClient).join(Ticket, Ticket.id == ApiRequest.ticket_id)
                    .join(ApiClient, ApiClient.id == ApiRequest.client_id)
                    .where(ApiRequest.ticket_id.in_(sorted(ticket_ids)), ApiClient.callback_url.is_not(None),
                           ApiClient.active.is_(True)))
                handed = {request.ticket_id: (request, ticket) for request, ticket, _ in found.all()}
            for row in wanted:
                if row.payload["ticket_id"] in handed:
                    request, ticket = handed[row.payload["ticket_id"]]
                    session.add(WebhookDelivery(client_id=request.client_id, event_id=row.id, event_type=row.type,
                                                payload=callback_payload(row, request, ticket), status="pending",
                                                attempts=0, next_attempt_at=utcnow(), created_at=utcnow()))
                    made += 1
            if rows:
                cursor.position = rows[-1].seq
                cursor.updated_at = utcnow()
            await session.commit()
        if len(rows) < batch:
            return made


def backoff(settings: Settings, attempts: int) -> timedelta:
    """How long to wait after the attempts-th failure: doubling from HOTLINE_WEBHOOK_BACKOFF_SECONDS, at most 1 h."""
    seconds = settings.integration.webhook_backoff_seconds * (2 ** min(attempts - 1, 20))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


async def _post(http: httpx.AsyncClient, client: ApiClient, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "hotline12345-webhooks",
               "X-Hotline-Event-Id": str(delivery.event_id), "X-Hotline-Event-Type": delivery.event_type,
               "X-Hotline-Delivery": str(delivery.id), "X-Hotline-Timestamp": timestamp,
               SIGNATURE_HEADER: sign(client.webhook_secret, timestamp, body)}
    try:
        response = await http.post(client.callback_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


async def deliver_due(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, http: httpx.AsyncClient, *,
                      now: datetime | None = None, rounds: int = 50) -> int:
    """POST the due callbacks, each client's in order (its oldest pending first); how many landed."""
    delivered = 0
    for _ in range(rounds):
        moment = now or utcnow()
        async with sessionmaker() as session:
            heads = select(func.min(WebhookDelivery.id)).where(WebhookDelivery.status == "pending") \
                .group_by(WebhookDelivery.client_id)
            active = select(ApiClient.id).where(ApiClient.active.is_(True))  # a disabled client gets nothing
            query = (select(WebhookDelivery).where(WebhookDelivery.id.in_(heads), WebhookDelivery.client_id.in_(active),
                                                   WebhookDelivery.next_attempt_at <= moment)
                     .order_by(WebhookDelivery.id).limit(50))
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            due = (await session.scalars(query)).all()
            if not due:
                await session.commit()
                return delivered
            clients = {c.id: c for c in (await session.scalars(
                select(ApiClient).where(ApiClient.id.in_({d.client_id for d in due})))).all()}
            outcomes = await asyncio.gather(*(_post(http, clients[d.client_id], d) for d in due))
            landed = 0
            for delivery, (code, error) in zip(due, outcomes, strict=True):
                delivery.attempts += 1
                delivery.last_status_code = code
                delivery.last_error = error
                if error is None:
                    delivery.status, delivery.delivered_at = "delivered", utcnow()
                    landed += 1
                elif delivery.attempts >= settings.integration.webhook_max_attempts:
                    delivery.status = "failed"
                    log.warning("webhook failed for good", extra={"delivery": delivery.id, "error": error})
                else:
                    delivery.next_attempt_at = utcnow() + backoff(settings, delivery.attempts)
            await session.commit()
        delivered += landed
        if not landed:
            return delivered
    return delivered


async def run_webhooks(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                       stop: asyncio.Event) -> None:
    """Collect and deliver callbacks until stop is set (every HOTLINE_WEBHOOK_INTERVAL_SECONDS)."""
    timeout = httpx.Timeout(settings.integration.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        while not stop.is_set():
            try:
                await collect(sessionmaker)
                await deliver_due(sessionmaker, settings, http)
            except Exception:  # the database away for a moment: the next pass tries again
                log.exception("webhook pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.integration.webhook_interval_seconds)
