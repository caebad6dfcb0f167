"""`hotline asterisk up|down|status|cli '<command>'` (also `python -m pbx.cli ...`).

The main CLI does `main.add_command(pbx.cli.asterisk)`.
"""
from __future__ import annotations

import json
import time

import click

from core.settings import get_settings
from pbx import process, rootfs


@click.group("asterisk")
def asterisk() -> None:
    """Run the real Asterisk 22 of the platform (chrooted Debian root or installed)."""


@asterisk.command()
@click.option("--timeout", default=process.BOOT_TIMEOUT, show_default=True,
              help="Seconds to wait for 'fully booted' and ARI (the root build is extra).")
def up(timeout: float) -> None:
    """Build the root if needed, render the config, start Asterisk, wait until ARI answers."""
    settings = get_settings()
    lay = rootfs.layout(settings)
    if lay.root is not None and not rootfs.root_complete(lay.root):
        click.echo(f"building the Debian root at {lay.root} (about one minute) ...")
    started = time.monotonic()
    try:
        pid = process.start(settings, timeout=timeout)
    except (process.AsteriskError, RuntimeError, TimeoutError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"asterisk running, pid {pid}, ARI on "
               f"http://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ari "
               f"({time.monotonic() - started:.1f}s)")


@asterisk.command()
def down() -> None:
    """Stop Asterisk gracefully (then by signal)."""
    stopped = process.stop(get_settings())
    click.echo("asterisk stopped" if stopped else "asterisk was not running")


@asterisk.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Show mode, pid, version and whether ARI answers; exit 1 if not running."""
    info = process.status(get_settings())
    if as_json:
        click.echo(json.dumps(info))
    else:
        for key, value in info.items():
            click.echo(f"{key}: {value}")
    if not info["version"]:
        raise SystemExit(1)


@asterisk.command("render")
@click.option("--root", default="/", show_default=True,
              help="Filesystem root Asterisk runs in (its container: /; a Debian root dir).")
def render_command(root: str) -> None:
    """Only write the rendered configuration (e.g. into the Asterisk container's volume)."""
    from pathlib import Path

    from pbx import seat_secrets

    settings = get_settings()
    lay = rootfs.chroot_layout(settings.replace(asterisk_root=Path(root)))
    click.echo(seat_secrets.render_and_write(settings, lay))


@asterisk.command("cli")
@click.argument("command")
def cli_command(command: str) -> None:
    """Run one Asterisk CLI command, e.g. 'pjsip show endpoints'."""
    try:
        click.echo(process.cli(get_settings(), command), nl=False)
    except process.AsteriskError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    asterisk()
