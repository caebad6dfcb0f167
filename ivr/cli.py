"""`hotline worker`: the ARI worker (call flow, ACD dispatcher, FastAGI, call control)."""
from __future__ import annotations

import asyncio
import logging

import click

from core.logging import configure_logging
from core.settings import get_settings


@click.command("worker", help="Run the ARI worker: voice menu, ACD, recording, call control (R-01, R-05).")
@click.option("--worker-id", default=None, help="stable id of this worker (default HOTLINE_WORKER_ID or random)")
def worker(worker_id: str | None) -> None:
    from ivr.plugin import run_worker

    settings = get_settings()
    if worker_id:
        settings = settings.replace(worker_id=worker_id)
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per ARI request is noise
    try:
        import uvloop  # present with uvicorn[standard]: a faster event loop for the call path
    except ImportError:
        asyncio.run(run_worker(settings))
    else:
        uvloop.run(run_worker(settings))
