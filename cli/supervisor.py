"""`hotline up`: start the components as child processes of one group and stop them together."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from core.settings import Settings

log = logging.getLogger("hotline.up")


def _commands(settings: Settings, telephony: bool) -> list[tuple[str, list[str]]]:
    hotline = [sys.executable, "-m", "cli.main"]
    commands = [("api", [*hotline, "serve"])]
    if telephony:
        commands.append(("worker", [*hotline, "worker"]))
    commands.append(("scheduler", [*hotline, "scheduler"]))
    return [(name, cmd) for name, cmd in commands if _available(cmd[-1])]


def _available(subcommand: str) -> bool:
    from cli.main import main

    return subcommand in main.commands


def run_components(settings: Settings, *, telephony: bool) -> int:
    """Run until interrupted or until a component dies; returns the exit status."""
    asterisk_started = False
    if telephony and _available("asterisk"):
        from pbx import process as pbx_process

        pbx_process.start(settings)
        asterisk_started = True
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(_signum=None, _frame=None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for name, command in _commands(settings, telephony):
            children[name] = subprocess.Popen(command, env=os.environ.copy())
            log.info("component started", extra={"component": name, "pid": children[name].pid})
        print(f"platform running on http://{settings.http_host}:{settings.http_port} (Ctrl-C stops it)", flush=True)
        while not stopping:
            dead = [name for name, child in children.items() if child.poll() is not None]
            if dead:
                log.error("component exited", extra={"component": dead[0], "code": children[dead[0]].returncode})
                return 1
            time.sleep(0.5)  # supervision poll, not a wait for an event
        return 0
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if asterisk_started:
            from pbx import process as pbx_process

            pbx_process.stop(settings)
