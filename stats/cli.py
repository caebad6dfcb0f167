"""`hotline stats`: the worker that keeps wallboards live and evaluates answer-rate alarms."""
from __future__ import annotations

import asyncio
import signal

import click

from core.logging import configure_logging
from core.resources import Resources
from core.settings import get_settings
from stats.tasks import run_worker


async def _serve() -> None:
    # SIGTERM (from `hotline up`) cancels the worker, so it hands its lease over at once
    task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    resources = Resources.open(get_settings())
    try:
        await run_worker(resources)
    except asyncio.CancelledError:
        pass
    finally:
        await resources.close()


@click.command(help="Run the stats worker: live wallboard figures and answer-rate alarms (R-05, R-24, R-34).")
def stats() -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    try:
        asyncio.run(_serve())
    except KeyboardInterrupt:
        pass
