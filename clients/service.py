"""API clients: registration, credentials, hand-overs and their status. Services flush; the unit of work commits."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from clients.schemas import UPSTREAM_SOURCES, RequestHandOver, RequestOut, RequestStep
from core.errors import Conflict, NotFound, Unprocessable
from core.resources import Resources
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from intake.schemas import RequestData
from intake.service import submit_request
from models import ApiClient, ApiRequest, Ticket, TicketEvent, WebhookDelivery
from workorders.schemas import Channel
from workorders.state_machine import STATUS_LABELS, Status

CLIENT_ID_PREFIX = "hc_"
# the public steps of a request (never who did them, never an internal note)
# ("received" instead of "accepted" when the ticket was made waiting in the intake queue; "accepted"
# then comes with the agent's acceptance)
STEP_OF_ACTION = {"create": "accepted", "accept": "accepted", "dispatch": "dispatched", "sign": "in_handling", "return": "returned",
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


def _check_upstream(body: RequestHandOver) -> None:
    """A hand-over from an upstream platform names its ticket there and when it received it: the
    protocol, not an R-05 element an agent could complete. Else 422 naming the fields."""
    if body.source in UPSTREAM_SOURCES:
        missing = [name for name in ("external_ref", "received_at") if getattr(body, name) is None]
        if missing:
            raise Unprocessable("上级平台转办须带原编号和原受理时间 (hand-over from an upstream platform, missing): "
                                + ", ".join(missing), code="missing_elements",
                                detail={"missing": missing, "field": missing[0]})


def request_data(body: RequestHandOver) -> RequestData:
    """The hand-over as intake takes every written request (422 naming the field if it will not do)."""
    try:
        return RequestData(content=body.content, name=body.caller.name, phone=body.caller.phone,
                           category=body.category, region_code=body.region_code, address=body.address,
                           occurred_at=body.occurred_at, confidential=body.caller.confidential)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        field = "caller." + field if field in ("name", "phone") else field
        raise Unprocessable(f"输入无效 (invalid input): {first['msg']}", code="invalid",
                            detail={"field": field}) from None


async def hand_over(uow: UnitOfWork, resources: Resources, *, principal: Principal,
                    body: RequestHandOver) -> tuple[ApiRequest, Ticket, bool]:
    """Take a request an API client hands over — the ONE call every hand-over goes through.

    It goes in as every written request does, through intake.service.submit_request: complete
    and classified → an ordinary ticket timed from the original `received_at` (R-10); lacking
    R-05 elements or a category → a pending_intake ticket (numbered now) in the intake queue
    (受理) for an agent to accept. Malformed input (a bad phone, a time in the future, an unknown
    region, an upstream hand-over without its reference or time) is a 4xx naming the field, and
    nothing is written (the caller's unit of work rolls back).

    The hand-over's own facts are kept once, here: `api_requests` (client, external_ref, source)
    owns the reference — its unique (client_id, external_ref) is the idempotency key — and the
    ticket owns `received_at` and the channel; intake_requests keeps only what the queue needs
    (missing elements, acceptance) and the queue reads the reference from api_requests.

    Returns (the hand-over, its ticket, created). The same external_ref from the same client
    again is the same request: nothing new is made (created False), so a platform may resend.
    """
    _check_upstream(body)
    session = uow.session
    external_ref = body.external_ref or f"app-{secrets.token_hex(8)}"
    existing = await session.scalar(select(ApiRequest).where(ApiRequest.client_id == principal.client_id,
                                                             ApiRequest.external_ref == external_ref))
    if existing is not None:
        ticket = await session.get(Ticket, existing.ticket_id)
        if existing.source != body.source.value:
            raise Conflict(f"external_ref {external_ref} 已用于来源 {existing.source} (external_ref already used)")
        return existing, ticket, False
    submitted = await submit_request(uow, resources, request_data(body), channel=Channel(body.source.value),
                                     received_at=body.received_at)
    ticket = await session.get(Ticket, submitted.ticket_id)
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


def _step(event: TicketEvent) -> str:
    if event.action == "create" and event.to_status == Status.PENDING_INTAKE:
        return "received"
    return STEP_OF_ACTION[event.action]


async def request_out(session: AsyncSession, request: ApiRequest, ticket: Ticket) -> RequestOut:
    """What a client may know of its request: status, public steps, the reply once given."""
    events = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.at, TicketEvent.id))).all()
    steps = [RequestStep(at=e.at, step=_step(e), status=e.to_status) for e in events if e.action in STEP_OF_ACTION]
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
