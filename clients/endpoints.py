"""The open API: API client administration, and the routes an API client reaches (docs/open-api.md).

`router` (admin, behind the usual sign-in): register, list, disable, rotate clients; their
callbacks. `client_router` is NOT behind current_principal: each of its routes names the scope it
needs (web.deps.require_scope) and is the whole of what a client token reaches.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from clients import service
from clients.schemas import (
    ApiClientCreate,
    ApiClientOut,
    ApiClientSecrets,
    DeliveryOut,
    FeedOut,
    RelayOut,
    RequestHandOver,
    RequestOut,
)
from core.errors import NotFound
from core.timeutil import utcnow
from events.feed import MAX_LIMIT, read_feed
from events.sequence import last_sequenced, sequence_pending
from models import ApiClient, OutboxConsumer, WebhookDelivery
from web.deps import IdPath, ResourcesDep, SessionDep, UnitOfWorkDep, require_province_wide, require_scope

router = APIRouter(tags=["api-clients"])
client_router = APIRouter(tags=["open-api"])
Admin = Annotated[Principal, Depends(require_province_wide(Permission.USER_WRITE))]


def _out(client: ApiClient, counts: dict[int, dict[str, int]] | None = None) -> dict:
    data = ApiClientOut.model_validate(client).model_dump()
    mine = (counts or {}).get(client.id, {})
    return {**data, "pending_deliveries": mine.get("pending", 0), "failed_deliveries": mine.get("failed", 0)}


@router.post("/api-clients", response_model=ApiClientSecrets, status_code=201)
async def create_client(body: ApiClientCreate, session: SessionDep, principal: Admin) -> dict:
    """Register an app or upstream platform; its client_secret and webhook_secret are shown only now."""
    client, client_secret, webhook_secret = await service.create_client(
        session, name=body.name, scopes=list(body.scopes), callback_url=body.callback_url,
        created_by_id=principal.user_id)
    await record(session, action="api_client_created", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="api_client", resource_id=client.id,
                 detail={"client_id": client.client_id, "name": client.name, "scopes": client.scopes})
    return {**_out(client), "client_secret": client_secret, "webhook_secret": webhook_secret}


@router.get("/api-clients", response_model=list[ApiClientOut])
async def list_clients(session: SessionDep, principal: Admin) -> list[dict]:
    """Every API client, with how many of its callbacks are pending and how many failed."""
    counts = await service.delivery_counts(session)
    return [_out(c, counts) for c in (await session.scalars(select(ApiClient).order_by(ApiClient.id))).all()]


@router.post("/api-clients/{client_pk}/disable", response_model=ApiClientOut)
async def disable_client(client_pk: IdPath, session: SessionDep, principal: Admin) -> dict:
    """No more tokens for it; the ones it holds stop working; no more callbacks to it."""
    client = await service.get_client(session, client_pk)
    service.disable(client)
    await record(session, action="api_client_disabled", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="api_client", resource_id=client.id)
    return _out(client)


@router.post("/api-clients/{client_pk}/rotate", response_model=ApiClientSecrets)
async def rotate_client(client_pk: IdPath, session: SessionDep, principal: Admin) -> dict:
    """New client_secret and webhook_secret (shown only now); every earlier token stops working."""
    client = await service.get_client(session, client_pk)
    client_secret, webhook_secret = await service.rotate(session, client)
    await record(session, action="api_client_rotated", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="api_client", resource_id=client.id)
    return {**_out(client), "client_secret": client_secret, "webhook_secret": webhook_secret}


@router.get("/api-clients/{client_pk}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(client_pk: IdPath, session: SessionDep, principal: Admin,
                          status: Literal["pending", "delivered", "failed"] | None = None,
                          limit: int = Query(default=100, ge=1, le=1000)) -> list[WebhookDelivery]:
    """A client's callbacks, newest first (failed ones: what the client never received)."""
    await service.get_client(session, client_pk)
    query = select(WebhookDelivery).where(WebhookDelivery.client_id == client_pk)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list((await session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit))).all())


@router.post("/api-clients/{client_pk}/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
async def retry_delivery(client_pk: IdPath, delivery_id: IdPath, session: SessionDep,
                         principal: Admin) -> WebhookDelivery:
    """Send a failed callback again (its attempts start afresh)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.client_id != client_pk:
        raise NotFound(f"回调 {delivery_id} 不存在 (delivery not found)")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    await record(session, action="api_delivery_retried", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="api_client", resource_id=client_pk,
                 detail={"delivery": delivery_id})
    return delivery


@router.get("/relays", response_model=list[RelayOut])
async def relays(session: SessionDep, resources: ResourcesDep, principal: Admin) -> list[dict]:
    """Where each further consumer of the outbox stands (the sequencer, the AMQP relay, the
    callbacks): its position, how far behind the last sequenced event, its failures in a row."""
    await sequence_pending(resources.sessionmaker)
    last = await last_sequenced(session)
    rows = (await session.scalars(select(OutboxConsumer).order_by(OutboxConsumer.name)
                                  .execution_options(populate_existing=True))).all()
    return [{"name": r.name, "position": r.position, "behind": max(last - r.position, 0), "attempts": r.attempts,
             "last_error": r.last_error, "updated_at": r.updated_at} for r in rows]


Creator = Annotated[Principal, Depends(require_scope(Permission.REQUESTS_CREATE, clients_only=True))]
StatusReader = Annotated[Principal, Depends(require_scope(Permission.REQUESTS_STATUS, clients_only=True))]
FeedReader = Annotated[Principal, Depends(require_scope(Permission.FEED_READ))]


@client_router.post("/requests", response_model=RequestOut, status_code=201,
                    responses={200: {"description": "the same external_ref again: the request made before"}})
async def hand_over(body: RequestHandOver, session: SessionDep, uow: UnitOfWorkDep, resources: ResourcesDep,
                    principal: Creator, response: Response) -> RequestOut:
    """Hand a request over (mobile app, 川渝 partner hotline, national platform), through the intake
    path every written request takes: complete → a ticket with the source as its channel, timed
    from the original received_at; lacking R-05 elements or a category → 201 with its number,
    status pending_intake, waiting in the intake queue (受理) for an agent. Malformed → 422 naming
    the field, nothing written. The same external_ref again → 200 with the request made the first time."""
    request, ticket, created = await service.hand_over(uow, resources, principal=principal, body=body)
    if not created:
        response.status_code = 200
    return await service.request_out(session, request, ticket)


@client_router.get("/requests/{number}", response_model=RequestOut)
async def request_status(session: SessionDep, principal: StatusReader,
                         number: str = Path(pattern=r"^[0-9A-Za-z-]{1,32}$")) -> RequestOut:
    """One of the client's own requests: status, public steps, the reply once completed."""
    request, ticket = await service.own_request(session, principal, number)
    return await service.request_out(session, request, ticket)


@client_router.get("/feed/events", response_model=FeedOut)
async def feed(session: SessionDep, resources: ResourcesDep, principal: FeedReader,
               after: int = Query(default=0, ge=0, le=2**62), limit: int = Query(default=100, ge=1, le=MAX_LIMIT)) -> dict:
    """The province data push as a pull feed (R-33): ticket events in order after the cursor.

    Ask again with `after=next_cursor`; an event may come twice (same `id`), never out of order.
    A cursor older than the retention (7 days) is 410 `cursor_expired`."""
    page = await read_feed(resources.sessionmaker, session, after=after, limit=limit)
    return {"events": page.events, "next_cursor": page.next_cursor}
