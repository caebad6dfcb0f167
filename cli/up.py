"""`hotline up`: the whole platform in one process — API, ARI worker, scheduler, stats worker, relay,
transcription worker, and the mailbox poller when HOTLINE_MAILBOX_IMAP_URL is set.

One event loop runs every component as a task, so the embedded defaults (SQLite and the
in-process Redis stand-in) are shared correctly. Asterisk runs beside it as a child process
group. A deployment runs the same components as separate processes instead (`hotline serve`,
`hotline worker`, `hotline scheduler`, `hotline stats`, `hotline relay`, `hotline transcribe`,
`hotline mailbox`; see docker-compose.yml).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvicorn

from api.app import create_app
from core.settings import Settings
from core.tasks import stop_tasks
from mailbox_channel.worker import MailboxPoller, configured

log = logging.getLogger("hotline.up")
STOP_SECONDS = 10.0  # a stopping component gets this long (cancelled again meanwhile: core.tasks)


def _components(settings: Settings, stop: asyncio.Event, telephony: bool) -> dict[str, asyncio.Task]:
    from cli.relay import run_relays
    from cli.scheduler import run_scheduler_pass
    from cli.transcribe import run_transcriber
    from core.resources import Resources
    from stats.tasks import run_worker as run_stats

    async def scheduler() -> None:
        resources = Resources.open(settings)
        try:
            while not stop.is_set():
                try:
                    await run_scheduler_pass(resources.sessionmaker, resources.redis, settings)
                except Exception:  # one failed pass must not end the loop
                    log.exception("scheduler pass failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.workorders.scheduler_interval_seconds)
        finally:
            await resources.close()

    async def stats() -> None:
        resources = Resources.open(settings)
        try:
            await run_stats(resources)
        finally:
            await resources.close()

    async def relay() -> None:  # callbacks to API clients; RabbitMQ when HOTLINE_AMQP_URL is set
        await run_relays(settings, stop=stop)

    # proxy_headers off: the client address comes from HOTLINE_TRUSTED_PROXIES alone (core/proxies.py);
    # access_log off: api/middleware.py logs every request once, with its id and duration
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=settings.http.http_host, port=settings.http.http_port,
                                           log_config=None, access_log=False, proxy_headers=False))
    server.install_signal_handlers = lambda: None  # our own handlers stop every component together
    tasks = {"api": asyncio.create_task(server.serve(), name="api"),
             "scheduler": asyncio.create_task(scheduler(), name="scheduler"),
             "stats": asyncio.create_task(stats(), name="stats"),
             "transcribe": asyncio.create_task(run_transcriber(settings, stop), name="transcribe"),
             "relay": asyncio.create_task(relay(), name="relay")}
    if configured(settings):

        async def mailbox() -> None:
            resources = Resources.open(settings)
            try:
                await MailboxPoller(resources).run(stop)
            finally:
                await resources.close()

        tasks["mailbox"] = asyncio.create_task(mailbox(), name="mailbox")
    if telephony:
        from ivr.plugin import run_worker

        tasks["worker"] = asyncio.create_task(run_worker(settings, stop=stop), name="worker")

    async def stop_api() -> None:
        await stop.wait()
        server.should_exit = True

    tasks["api-stopper"] = asyncio.create_task(stop_api(), name="api-stopper")
    return tasks


async def run_platform(settings: Settings, *, telephony: bool) -> int:
    """Run until SIGINT/SIGTERM or until a component fails; returns the exit status."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if telephony:
        from pbx import process as pbx_process

        await asyncio.to_thread(pbx_process.start, settings)
    tasks = _components(settings, stop, telephony)
    print(f"platform running on http://{settings.http.http_host}:{settings.http.http_port} (Ctrl-C stops it)", flush=True)
    status = 0
    try:
        done, _ = await asyncio.wait([*tasks.values(), asyncio.create_task(stop.wait())],
                                     return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t.get_name() in tasks and not stop.is_set()]
        if failed:
            log.error("component ended", extra={"component": failed[0].get_name(),
                                                "error": repr(failed[0].exception()) if not failed[0].cancelled() else "cancelled"})
            status = 1
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(tasks["api"], tasks.get("worker") or asyncio.sleep(0),
                                                  return_exceptions=True), timeout=15)
        await stop_tasks(tasks.values(), timeout=STOP_SECONDS)
        if telephony:
            from pbx import process as pbx_process

            await asyncio.to_thread(pbx_process.stop, settings)
    return status
