"""Public routes of the stats domain: the wallboard page (/wallboard, static files) and /metrics.

Both are public like /healthz: the page's data comes from the API and the websocket, which
need a supervisor's or admin's token; /metrics carries aggregate figures only, and is cached
for a few seconds so unauthenticated scrapes can never load the database.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from acd.store import AcdStore
from api.deps import ResourcesDep
from core.package_files import package_dir
from core.timeutil import utcnow
from stats import metrics, service
from stats.config import StatsConfig

WALLBOARD_DIR = package_dir("agent_desktop") / "wallboard"
METRICS_CACHE_SECONDS = 5.0


@dataclass
class MetricsCache:
    """The last /metrics body and until when it is served; one per app (api/app.py makes it)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    until: float = 0.0
    body: bytes = b""


router = APIRouter(tags=["operations"])


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
