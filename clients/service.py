"""API clients: registration, credentials, hand-overs and their status. Services flush; the unit of work commits."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from access.principal import Principal
from clients.schemas import UPSTREAM_SOURCES, RequestHandOver, RequestOut, RequestStep
from core.errors import Conflict, NotFound, Unprocessable
from core.settings import Settings
from core.timeutil import utcnow
from models import ApiClient, ApiRequest, Ticket, TicketEvent, WebhookDelivery
from workorders import service as workorders
from workorders.events import TicketNotifier
from workorders.intake import missing_elements
from workorders.schemas import CallerIn, Channel, TicketCreate
from workorders.state_machine import STATUS_LABELS, Status

CLIENT_ID_PREFIX = "hc_"
# the public steps of a request (never who did them, never an internal note)
STEP_OF_ACTION = {"create": "accepted", "dispatch": "dispatched", "sign": "in_handling", "return": "returned",
                  "complete": "replied", "callback": "called_back", "auto_close": "closed", "terminate": "closed",
                  "merge": "merged", "archive": "archived"}
REPLIED = {Status.COMPLETED, Status.CLOSED, Status.REMARK_CLOSED, Status.AUTO_CLOSED, Status.NO_EVALUATION,
           Status.TERMINATED, Status.DISPUTED, Status.ARCHIVED, Status.DIRECT_ANSWERED, Status.OUT_OF_SCOPE}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secrets(client: ApiClient) -> tuple[str, str]:
    client_secret, webhook_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    client.secret_digest = digest(client_secret)
    client.webhook_secret = webhook_secret
    return client_secret, webhook_secret


async def create_client(session: AsyncSession, *, name: str, scopes: list[str], callback_url: str | None,
                        created_by_id: int | None) -> tuple[ApiClient, str, str]:
    """Register a client; returns it with its client secret and webhook secret (shown once)."""
    client = ApiClient(client_id=CLIENT_ID_PREFIX + secrets.token_hex(12), name=name, scopes=sorted(set(scopes)),
                       callback_url=callback_url, active=True, token_version=0, created_at=utcnow(),
                       created_by_id=created_by_id)
    client_secret, webhook_secret = _new_secrets(client)
    session.add(client)
    await session.flush()
    return client, client_secret, webhook_secret


async def get_client(session: AsyncSession, client_pk: int) -> ApiClient:
    client = await session.get(ApiClient, client_pk)
    if client is None:
        raise NotFound(f"API 客户端 {client_pk} 不存在 (API client not found)")
    return client


async def rotate(session: AsyncSession, client: ApiClient) -> tuple[str, str]:
    """New secrets; every token issued before stops working at once."""
    client.token_version += 1
    client.rotated_at = utcnow()
    return _new_secrets(client)


def disable(client: ApiClient) -> None:
    """The client can no longer get a token; its tokens stop working; callbacks stop."""
    client.active = False
    client.token_version += 1


async def delivery_counts(session: AsyncSession) -> dict[int, dict[str, int]]:
    """Per client: how many callbacks are pending and how many failed for good."""
    rows = (await session.execute(select(WebhookDelivery.client_id, WebhookDelivery.status, func.count())
                                  .where(WebhookDelivery.status.in_(("pending", "failed")))
                                  .group_by(WebhookDelivery.client_id, WebhookDelivery.status))).all()
    counts: dict[int, dict[str, int]] = {}
    for client_id, status, count in rows:
        counts.setdefault(client_id, {})[status] = count
    return counts


async def authenticate_client(session: AsyncSession, client_id: str, client_secret: str) -> ApiClient | None:
    """The active client with these credentials, else None (constant-time comparison)."""
    client = await session.scalar(select(ApiClient).where(ApiClient.client_id == client_id[:40]))
    given = digest(client_secret[:256])
    if client is None or not client.active:
        hmac.compare_digest(given, "0" * 64)
        return None
    return client if hmac.compare_digest(given, client.secret_digest) else None


def _check_complete(body: RequestHandOver) -> None:
    """A hand-over carries the R-05 elements; one from an upstream platform also names its
    ticket there and when it received it. Else 422 naming the fields (nothing is made)."""
    missing = missing_elements({"caller.phone": body.caller.phone, "content": body.content,
                                "category": body.category, "occurred_at": body.occurred_at,
                                "address": body.address}, disposition=None)
    if body.source in UPSTREAM_SOURCES:
        missing = [name for name in ("external_ref", "received_at") if getattr(body, name) is None] + missing
    if missing:
        raise Unprocessable("诉求要素不全 (hand-over incomplete, missing): " + ", ".join(missing),
                            code="missing_elements", detail={"missing": missing})


async def hand_over(session: AsyncSession, redis: Redis, settings: Settings, *, side_engine: AsyncEngine,
                    principal: Principal, body: RequestHandOver,
                    notifier: TicketNotifier | None) -> tuple[ApiRequest, Ticket, bool]:
    """Create the ticket of a request an API client hands over — the ONE call every hand-over
    goes through (so it can be routed to the intake queue instead).

    Returns (the hand-over, its ticket, created). The same external_ref from the same client
    again is the same request: nothing new is made (created False), so a platform may resend.
    """
    _check_complete(body)
    external_ref = body.external_ref or f"app-{secrets.token_hex(8)}"
    existing = await session.scalar(select(ApiRequest).where(ApiRequest.client_id == principal.client_id,
                                                             ApiRequest.external_ref == external_ref))
    if existing is not None:
        ticket = await session.get(Ticket, existing.ticket_id)
        if existing.source != body.source.value:
            raise Conflict(f"external_ref {external_ref} 已用于来源 {existing.source} (external_ref already used)")
        return existing, ticket, False
    create = TicketCreate(
        channel=Channel(body.source.value),
        caller=CallerIn(name=body.caller.name, phone=body.caller.phone, confidential=body.caller.confidential),
        content=body.content, category=body.category, region_code=body.region_code, address=body.address,
        occurred_at=body.occurred_at, received_at=body.received_at)
    ticket, _ = await workorders.create_ticket(session, redis, settings, side_engine=side_engine,
                                               principal=principal, body=create, notifier=notifier)
    request = ApiRequest(client_id=principal.client_id, ticket_id=ticket.id, external_ref=external_ref,
                         source=body.source.value, received_at=ticket.received_at, created_at=ticket.created_at)
    session.add(request)
    await session.flush()
    return request, ticket, True


async def own_request(session: AsyncSession, principal: Principal, number: str) -> tuple[ApiRequest, Ticket]:
    """A request this client handed over, by ticket number (another's is 404: no oracle)."""
    found = (await session.execute(
        select(ApiRequest, Ticket).join(Ticket, Ticket.id == ApiRequest.ticket_id)
        .where(Ticket.number == number[:32], ApiRequest.client_id == principal.client_id))).first()
    if found is None:
        raise NotFound(f"诉求 {number} 不存在 (request not found)")
    return found[0], found[1]


async def request_out(session: AsyncSession, request: ApiRequest, ticket: Ticket) -> RequestOut:
    """What a client may know of its request: status, public steps, the reply once given."""
    events = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.at, TicketEvent.id))).all()
    steps = [RequestStep(at=e.at, step=STEP_OF_ACTION[e.action], status=e.to_status)
             for e in events if e.action in STEP_OF_ACTION]
    status = Status(ticket.status)
    return RequestOut(number=ticket.number, source=request.source, external_ref=request.external_ref,
                      received_at=request.received_at, created_at=ticket.created_at, status=status.value,
                      status_label=STATUS_LABELS[status], steps=steps,
                      reply=final_reply(ticket))


def final_reply(ticket: Ticket) -> str | None:
    """The reply a requester is given, once there is one (办理结果, a direct answer, a disposition)."""
    if Status(ticket.status) not in REPLIED:
        return None
    return ticket.reply or ticket.direct_answer or ticket.disposition_note
