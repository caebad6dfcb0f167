"""The one place the worker's objects are built and wired (constructor injection, no globals)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from redis.asyncio import BlockingConnectionPool, Redis

from acd.dispatcher import Dispatcher
from acd.events import AcdNotifier
from acd.store import AcdStore
from agi_scripts.blocklist_check import BlockedCallerCheck
from agi_scripts.fastagi import FastAgiServer
from calls.events import CallNotifier
from calls.repository import CallRecords
from core.kv import client_options
from core.resources import Resources
from core.secrets import ari_password
from core.settings import Settings
from core.tasks import cancel_and_wait
from events.bus import EventBus
from ivr.agi_hooks import WorkerAgi
from ivr.ari import AriClient
from ivr.background import Background
from ivr.command_server import CommandServer
from ivr.outbound import OutboundRunner
from ivr.ownership import Ownership, node_of
from ivr.ports import CallPolicy, CallPorts
from ivr.prompt_texts import load_texts
from ivr.prompts import PromptLibrary
from ivr.publishing import Publisher
from ivr.recorder import Recorder
from ivr.registry import CallRegistry
from ivr.seats import SeatDirectory
from ivr.services import CallServices
from ivr.survey import SurveyDialer
from ivr.tickets import TicketLookup
from ivr.worker import Worker

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0  # the command channel gets this long to stop (cancelled again meanwhile: core.tasks)


def ari_urls(settings: Settings) -> tuple[str, str]:
    base = f"{settings.telephony.ari_host}:{settings.telephony.ari_port}/ari"
    return f"http://{base}", f"ws://{base}"


def call_policy(settings: Settings) -> CallPolicy:
    return CallPolicy(digit_timeout=settings.calls.ivr_digit_timeout_seconds,
                      ticket_timeout=settings.calls.ivr_ticket_timeout_seconds,
                      announce_every=settings.calls.queue_announce_seconds, ring_timeout=settings.calls.ring_timeout_seconds,
                      wrap_up_seconds=settings.calls.wrap_up_seconds, outside_numbers=settings.dialling.outside_numbers,
                      outbound_caller_id=settings.dialling.outbound_caller_id)


def build_call_worker(settings: Settings, *, sessionmaker, redis, ari, telephony: CallServices, store: AcdStore,
                      records: CallRecords, bus: EventBus | None, prompts: PromptLibrary, tickets,
                      ownership: Ownership, ws_base: str = "", api_key: str = "") -> Worker:
    """The worker and the ports of its calls (tests build one with fakes for some parts)."""
    registry = CallRegistry()
    seats = SeatDirectory(sessionmaker, telephony)
    publisher = Publisher(CallNotifier(bus), AcdNotifier(bus), store)
    recorder = Recorder(settings, sessionmaker, telephony, publisher)
    dispatcher = Dispatcher(store, registry.calls, ring_timeout=settings.calls.ring_timeout_seconds)
    ports = CallPorts(telephony=telephony, acd=store, records=records, publisher=publisher, prompts=prompts,
                      tickets=tickets, seats=seats, recordings=recorder, background=Background(), registry=registry,
                      wake_dispatcher=dispatcher.wake, enter_acd=dispatcher.enter,
                      policy=call_policy(settings))
    return Worker(settings=settings, ports=ports, dispatcher=dispatcher, seats=seats, recorder=recorder,
                  publisher=publisher, sessionmaker=sessionmaker, redis=redis, ari=ari, records=records,
                  prompts=prompts, ownership=ownership, ws_base=ws_base, api_key=api_key)


def add_outbound(worker: Worker, settings: Settings, resources: Resources) -> None:
    """The calls the platform makes itself: the satisfaction survey (R-16) and click-to-call."""
    surveys = SurveyDialer(settings=settings, sessionmaker=resources.sessionmaker, redis=resources.redis,
                           ari=worker.ari, telephony=worker.calls, registry=worker.registry, prompts=worker.prompts,
                           recorder=worker.recorder, records=worker.records, app=worker.own_app,
                           node=worker.ownership.node, digit_timeout=settings.calls.ivr_digit_timeout_seconds)
    worker.extra_loops.append(surveys.run)
    worker.extra_loops.append(OutboundRunner(worker, resources.sessionmaker, resources.redis).run)


def build_worker(settings: Settings, resources: Resources) -> tuple[Worker, FastAgiServer, CommandServer]:
    http_base, ws_base = ari_urls(settings)
    password = ari_password(settings)
    ari = AriClient(http_base, settings.telephony.ari_user, password)
    worker = build_call_worker(
        settings, sessionmaker=resources.sessionmaker, redis=resources.redis, ari=ari, telephony=CallServices(ari),
        store=AcdStore(resources.redis), records=CallRecords(resources.sessionmaker),
        bus=EventBus.for_resources(resources),
        prompts=PromptLibrary(settings, load_texts(settings.calls.prompts_file)),
        tickets=TicketLookup(resources.sessionmaker),
        ownership=Ownership(resources.redis, settings.calls.worker_id, node_of(settings)),
        ws_base=ws_base, api_key=f"{settings.telephony.ari_user}:{password}")
    add_outbound(worker, settings, resources)
    hooks = WorkerAgi(worker)
    check = BlockedCallerCheck(sessionmaker=resources.sessionmaker, routing=hooks.route, on_blocked=hooks.blocked)
    agi = FastAgiServer(settings.telephony.fastagi_host, settings.telephony.fastagi_port, {"check_blocked": check})
    return worker, agi, CommandServer(worker, resources.redis)


def worker_redis(settings: Settings):
    """The worker's Redis client. Many calls run Redis commands at the same moment; redis-py's
    default pool checks (and opens) connections while holding its lock, which serialises a
    burst of them; its blocking pool does that outside the lock."""
    if not settings.redis.redis_url:
        return None  # the in-process stand-in of `hotline up`
    pool = BlockingConnectionPool.from_url(
        settings.redis.redis_url, max_connections=200, timeout=10,
        **client_options(socket_timeout=settings.redis.redis_socket_timeout_seconds,
                         connect_timeout=settings.redis.redis_connect_timeout_seconds))
    return Redis(connection_pool=pool)


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set)."""
    resources = Resources.open(settings)
    fast = worker_redis(settings)
    if fast is not None:
        await resources.redis.aclose()
        resources.redis = fast
    worker, agi, commands = build_worker(settings, resources)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await agi.start()
    await worker.start()
    command_task = asyncio.create_task(commands.run())
    log.info("worker running", extra={"app": worker.own_app, "worker_id": settings.calls.worker_id,
                                      "fastagi": f"{settings.telephony.fastagi_host}:{settings.telephony.fastagi_port}"})
    lost = asyncio.create_task(worker.lost_own.wait())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([lost, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        lost.cancel()
        stopped.cancel()
        await cancel_and_wait(command_task, timeout=STOP_SECONDS)
        await agi.stop()
        await worker.stop()
        await worker.ari.aclose()
        await resources.close()
    if worker.lost_own.is_set():
        raise SystemExit("another worker took over this worker's Stasis application")
