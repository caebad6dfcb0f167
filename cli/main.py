"""The `hotline` command: run, migrate and operate the platform."""
from __future__ import annotations

import asyncio
import sys

import click
from pydantic import ValidationError

from cli.demo import demo
from cli.mailbox import mailbox
from cli.relay import relay
from cli.scheduler import scheduler
from cli.transcribe import transcribe
from core.logging import configure_logging
from core.settings import Settings, get_settings
from ivr.cli import worker
from pbx.cli import asterisk
from stats.cli import stats


@click.group(help="12345 政务服务便民热线平台 — hotline platform command line.")
def main() -> None:
    # a bad setting (a short secret key, an unreadable proxy list …) stops every command with
    # its message, before anything starts
    try:
        get_settings()
    except ValidationError as exc:
        raise click.ClickException("invalid configuration:\n" + "\n".join(
            f"  {error['msg'].removeprefix('Value error, ')}" for error in exc.errors())) from None


def _migrate(settings: Settings) -> None:
    from pathlib import Path

    from core.database import is_sqlite
    from core.migrate import upgrade

    if is_sqlite(settings.database.database_url):
        Path(settings.storage.var_dir).mkdir(parents=True, exist_ok=True)
    upgrade(settings.database.database_url)


def _seed(settings: Settings) -> None:
    from cli.seeding import seed
    from core.resources import Resources

    async def run() -> None:
        resources = Resources.open(settings)
        try:
            report = await seed(resources)
        finally:
            await resources.close()
        if report.generated_admin_password:
            # printed exactly once: on the first start with an empty database
            click.echo(f"created account 'admin' with generated password: {report.generated_admin_password}")
        if report.reference_rows or report.demo_accounts:
            click.echo(f"seeded {report.reference_rows} reference rows, {report.demo_accounts} demo accounts")

    asyncio.run(run())


@main.command(help="Apply database migrations (and load reference/demo data with --seed).")
@click.option("--seed/--no-seed", default=False, help="also load reference data and the first admin")
def migrate(seed: bool) -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    _migrate(settings)
    click.echo("database is at the newest revision")
    if seed:
        _seed(settings)


@main.command(help="Serve the HTTP API only (no migrations).")
@click.option("--host", default=None, help="bind address (default HOTLINE_HTTP_HOST)")
@click.option("--port", default=None, type=int, help="port (default HOTLINE_HTTP_PORT)")
@click.option("--workers", default=1, show_default=True, type=int, help="worker processes")
def serve(host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    # access_log off: api/middleware.py logs every request once, with its id and duration
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    uvicorn.run("api.asgi:app", host=host or settings.http.http_host, port=port or settings.http.http_port,
                workers=workers, log_config=None, access_log=False, proxy_headers=False)


@main.command(help="Migrate, seed, and start every component in one process group (what `make run` does).")
@click.option("--no-telephony", is_flag=True, help="do not start Asterisk and the ARI worker")
def up(no_telephony: bool) -> None:
    from cli.up import run_platform

    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)
    _migrate(settings)
    _seed(settings)
    sys.exit(asyncio.run(run_platform(settings, telephony=not no_telephony)))


# subcommands: the ARI worker, the scheduler, the stats worker, the outbox relay, Asterisk control, the
# demo call, the transcription worker, the mailbox
for _command in (asterisk, worker, scheduler, stats, relay, demo, transcribe, mailbox):
    main.add_command(_command)

if __name__ == "__main__":
    main()
