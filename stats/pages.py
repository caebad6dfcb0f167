"""Public routes of the stats domain: the wallboard page (/wallboard, static files), its
websocket (/ws/wallboard, live figures) and /metrics.

The page and /metrics are public like /healthz: the page's data comes from the API and the
websocket, which need a supervisor's or admin's token (the socket's first frame); /metrics carries aggregate figures only, and is cached
for a few seconds so unauthenticated scrapes can never load the database.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from access.permissions import Permission
from access.principal import Principal
from acd.store import AcdStore
from core.package_files import package_dir
from core.timeutil import utcnow
from events.envelope import BusEvent
from realtime import gateway
from realtime.messages import WALLBOARD_PREFIXES
from stats import metrics, service
from stats.config import StatsConfig
from web.deps import ResourcesDep

WALLBOARD_DIR = package_dir("agent_desktop") / "wallboard"
METRICS_CACHE_SECONDS = 5.0
SEATS_EVENT = "stats.agents"
ANALYTICS_PREFIX = "analytics."  # alerts (analytics.events), region-scoped  # every seat's state, not-ready reason and figures (the stats worker's push)


@dataclass
class MetricsCache:
    """The last /metrics body and until when it is served; one per app (api/app.py makes it)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    until: float = 0.0
    body: bytes = b""


router = APIRouter(tags=["operations"])


def wallboard_view(principal: Principal, event: BusEvent) -> BusEvent | None:
    """Wallboards get aggregate figures and alarms, never events that name a caller; the seats' push
    only as far as visible_seats allows (none for units, a city centre its region's seats)."""
    if not event.type.startswith(WALLBOARD_PREFIXES):
        return None
    if event.type.startswith(ANALYTICS_PREFIX) and not principal.scope.covers_region(event.audience.region_code):
        return None  # an alert (预警) only where the wallboard's region covers it
    if event.type != SEATS_EVENT or (principal.scope.everything and principal.can(Permission.SEAT_STATS_READ)):
        return event  # shared: serialised once for every socket
    if not principal.can(Permission.SEAT_STATS_READ):
        return None
    # a new event, not a copy: a copy would carry the province-wide frame another socket cached
    return BusEvent(type=event.type, at=event.at, audience=event.audience,
                    data={**event.data, "agents": service.visible_seats(principal, event.data.get("agents", []))})


@router.websocket("/ws/wallboard")
async def wallboard_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, view=wallboard_view,
                        allowed=lambda p: p.can(Permission.STATS_READ), ping_seconds=resources.settings.http.ws_ping_seconds)


@router.get("/metrics", response_class=Response)
async def prometheus_metrics(request: Request, resources: ResourcesDep) -> Response:
    """Prometheus exposition: answer rate, service level, waiting, agents by state, open alarms."""
    cache: MetricsCache = request.app.state.metrics_cache
    async with cache.lock:
        if time.monotonic() >= cache.until:
            async with resources.sessionmaker() as session:
                snapshot = await service.wallboard_snapshot(session, AcdStore(resources.redis), now=utcnow(),
                                                            config=StatsConfig.from_settings(resources.settings))
            cache.body, cache.until = metrics.render(snapshot), time.monotonic() + METRICS_CACHE_SECONDS
        body = cache.body
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class WallboardFiles(StaticFiles):
    """Static files that browsers revalidate (a deploy is seen on the next load)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"cache-control", b"no-cache"),
                           (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_wallboard(app: FastAPI) -> None:
    """Serve agent_desktop/wallboard/ at /wallboard (/wallboard redirects to /wallboard/)."""
    app.mount("/wallboard", WallboardFiles(directory=WALLBOARD_DIR, html=True), name="wallboard")
