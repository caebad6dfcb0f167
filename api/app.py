"""The FastAPI application: built by create_app, resources opened in the lifespan."""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from accounts.events import AccountNotifier
from accounts.revocation import Revocation
from acd.store import AcdStore
from analytics.tasks import AlertEvaluator
from api.errors import install_error_handlers
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.routes import include_routes
from core.proxies import parse_networks
from core.resources import Resources
from core.settings import Settings, get_settings
from desktop.seat_access import SeatAccessControl
from events.bus import EventBus, Hub
from events.outbox import relay_pending
from intake.schemas import ATTACHMENT_COUNT
from knowledge.search_cache import SearchCache
from stats.pages import MetricsCache
from workorders import attachments

PORTAL_SUBMIT_PATH = re.compile(r"^/api/v1/public/requests/?$")

log = logging.getLogger(__name__)


def access_revocation(resources: Resources) -> Revocation:
    """What a change of a person's access does to their sockets and seat (accounts' SeatAccess port
    served by the ACD and the PBX)."""
    bus = EventBus.for_resources(resources)
    return Revocation(AccountNotifier(bus), SeatAccessControl(AcdStore(resources.redis), bus))


def create_app(settings: Settings | None = None, *, resources: Resources | None = None) -> FastAPI:
    """Build the app; with resources given (tests), the caller owns their life cycle."""
    settings = settings or (resources.settings if resources else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = resources is None
        app.state.resources = resources or Resources.open(settings)
        app.state.revocation = access_revocation(app.state.resources)
        app.state.hub = Hub(EventBus.for_resources(app.state.resources))
        await app.state.hub.start()
        # alerts (预警) evaluated after ticket creations seen on the bus, coalesced (analytics.tasks)
        app.state.alert_evaluator = AlertEvaluator(app.state.resources, app.state.hub)
        if settings.analytics.analytics_evaluate_on_create:
            await app.state.alert_evaluator.start()
        try:  # events a crash left committed but unpublished (the scheduler pass retries them too)
            await relay_pending(app.state.resources.sessionmaker, app.state.hub.bus)
        except Exception:
            log.warning("outbox relay at start-up failed; the scheduler pass retries", exc_info=True)
        try:
            yield
        finally:
            await app.state.alert_evaluator.stop()
            await app.state.hub.stop()
            if owned:
                await app.state.resources.close()

    app = FastAPI(
        title="12345 政务服务便民热线平台 API",
        version="1.0",
        description="Sichuan 12345 government service hotline platform",
        lifespan=lifespan,
        # the interactive pages load Swagger UI / ReDoc from a public CDN: third-party script on the
        # origin where desktops keep ticket drafts (callers' names and numbers) and people type
        # passwords; off unless asked for. /openapi.json (no script) stays.
        docs_url="/docs" if settings.http.api_docs else None,
        redoc_url="/redoc" if settings.http.api_docs else None,
    )
    if resources is not None:
        app.state.resources = resources
        app.state.revocation = access_revocation(resources)
    # the app's in-memory caches (no connections: nothing to close), one per app
    app.state.knowledge_search = SearchCache()
    app.state.metrics_cache = MetricsCache()
    install_error_handlers(app)
    include_routes(app)
    # a ticket attachment's upload may be larger than other bodies (its own limit, plus the multipart framing)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.http.max_body_bytes, larger=[
        (attachments.UPLOAD_PATH, settings.workorders.attachment_max_bytes + attachments.MULTIPART_OVERHEAD),
        # the portal's submission: its files in all, plus the form's fields and framing
        (PORTAL_SUBMIT_PATH, settings.portal.portal_attachments_max_bytes
         + (ATTACHMENT_COUNT + 1) * attachments.MULTIPART_OVERHEAD)])
    app.add_middleware(RequestContextMiddleware, trusted_proxies=parse_networks(settings.http.trusted_proxies))
    return app
