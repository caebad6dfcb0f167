"""Liveness and readiness probes (no authentication)."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from web.deps import ResourcesDep

router = APIRouter(tags=["operations"])



@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


async def _database_ok(resources) -> bool:
    async with resources.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True


async def _redis_ok(resources) -> bool:
    return bool(await resources.redis.ping())


async def _check(name, check, resources) -> tuple[str, bool]:
    try:
        return name, bool(await asyncio.wait_for(check(resources), timeout=2))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return name, False


@router.get("/readyz")
async def readyz(resources: ResourcesDep) -> JSONResponse:
    """Database and Redis reachable: 200, else 503."""
    checks = {"database": _database_ok, "redis": _redis_ok}
    results = dict(await asyncio.gather(*(_check(n, c, resources) for n, c in checks.items())))
    ready = all(results.values())
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": results},
                        status_code=200 if ready else 503)
