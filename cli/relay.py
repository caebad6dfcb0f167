"""`hotline relay`: the further consumers of the outbox — callbacks to API clients, and the
relay to RabbitMQ when HOTLINE_AMQP_URL is set (R-33; docs/open-api.md).

Each keeps its own cursor in PostgreSQL (outbox_consumers), so the process can be stopped or
killed at any moment: the next start goes on from the last confirmed event (at least once,
in order, repeated events with the same id). `hotline up` runs the same loops as a component.
"""
from __future__ import annotations

import asyncio
import signal

import click

from clients.webhooks import run_webhooks
from core.logging import configure_logging
from core.resources import Resources
from core.settings import Settings, get_settings
from events.amqp import AmqpTarget, run_relay


async def run_relays(settings: Settings, *, stop: asyncio.Event, resources: Resources | None = None) -> None:
    """Run the webhook loop and, when configured, the AMQP relay until stop is set."""
    own = resources is None
    resources = resources or Resources.open(settings)
    try:
        loops = [run_webhooks(resources.sessionmaker, settings, stop=stop)]
        if settings.integration.amqp_url:
            target = AmqpTarget(url=settings.integration.amqp_url, exchange=settings.integration.amqp_exchange)
            loops.append(run_relay(resources.sessionmaker, target, stop=stop,
                                   interval=settings.integration.amqp_relay_interval_seconds,
                                   batch=settings.integration.amqp_relay_batch))
        await asyncio.gather(*loops)
    finally:
        if own:
            await resources.close()


async def _main(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_relays(settings, stop=stop)


@click.command(help="Relay the outbox: callbacks to API clients, and RabbitMQ when HOTLINE_AMQP_URL is set (R-33).")
def relay() -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    asyncio.run(_main(settings))
