"""`hotline mailbox`: the mailbox poller (信箱) as a process of its own (`hotline up` runs it too
when HOTLINE_MAILBOX_IMAP_URL is set)."""
from __future__ import annotations

import asyncio
import signal

import click

from core.logging import configure_logging
from core.resources import Resources
from core.settings import get_settings
from mailbox_channel.worker import MailboxPoller


async def _run(once: bool) -> None:
    settings = get_settings()
    resources = Resources.open(settings)
    try:
        poller = MailboxPoller(resources)
        if not poller.configured:
            raise click.ClickException("HOTLINE_MAILBOX_IMAP_URL is not set")
        if once:
            report = await poller.poll_once()
            sent = await poller.send_replies()
            click.echo(f"took {len(report.taken)} messages ({', '.join(report.taken) or '—'}), "
                       f"skipped {len(report.skipped)}, sent {sent} replies")
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await poller.run(stop)
    finally:
        await resources.close()


@click.command(help="Poll the hotline's mailbox (IMAP): each new mail becomes a request; reply with its number.")
@click.option("--once", is_flag=True, help="poll once, send the replies owed, and exit")
def mailbox(once: bool) -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    asyncio.run(_run(once))
