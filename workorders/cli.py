"""`hotline scheduler`: the supervision job loop (overdue flags, reminders, auto-close)."""
from __future__ import annotations

import asyncio
import logging

import click

from core.logging import configure_logging
from core.settings import get_settings

log = logging.getLogger(__name__)


async def _loop(once: bool, interval: float) -> None:
    from core.resources import Resources
    from workorders.tasks import run_pass

    settings = get_settings()
    resources = Resources.open(settings)
    try:
        while True:
            try:
                report = await run_pass(resources.sessionmaker, resources.redis, settings)
                if once:
                    click.echo(f"flagged {len(report.flagged)} findings, auto-closed {len(report.auto_closed)} tickets")
            except Exception:
                log.exception("scheduler pass failed")
                if once:
                    raise
            if once:
                return
            await asyncio.sleep(interval)
    finally:
        await resources.close()


@click.command(help="Run the work-order scheduler: overdue flags and reminders (R-24), auto-close (R-17).")
@click.option("--once", is_flag=True, help="run one pass and exit")
@click.option("--interval", type=float, default=None, help="seconds between passes (default HOTLINE_SCHEDULER_INTERVAL_SECONDS)")
def scheduler(once: bool, interval: float | None) -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    asyncio.run(_loop(once, interval or settings.workorders.scheduler_interval_seconds))
