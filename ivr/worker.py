"""The ARI worker: owns its Stasis application(s), routes ARI events to call sessions,
re-syncs from Asterisk after every (re)connect, adopts the applications of dead workers,
serves the FastAGI check and the API's call-control commands, and runs the ACD dispatcher.

Objects are built in ivr.plugin; this module holds the running behaviour.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from acd.dispatcher import Dispatcher
from calls.regions import parse_call_regions, region_at_start
from calls.repository import CallRecords
from core.settings import Settings
from core.tasks import stop_tasks
from core.timeutil import utcnow
from events.bus import EventBus
from ivr.ari import AriClient
from ivr.connection import REQUEST_PING_TIMEOUT, AppConnection
from ivr.ownership import Ownership
from ivr.ports import CallPorts
from ivr.prompts import PromptLibrary
from ivr.publishing import Publisher
from ivr.recorder import Recorder
from ivr.resync import Resyncer
from ivr.seats import SeatDirectory
from ivr.session import CallSession
from pbx import seat_secrets

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0  # a stopping task gets this long (cancelled again meanwhile: core.tasks)
ROUTED_EVENTS = {"StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelHangupRequest", "ChannelDtmfReceived",
                 "PlaybackFinished", "RecordingFinished", "RecordingFailed"}
# What a calls' application is sent (ivr.services.CallServices.only_events): a call's channels
# cause about 60 events, 35 of them ChannelVarset (BRIDGEPEER at every change of the bridge,
# the RTP figures at hang-up), which Asterisk turned into JSON, queued and wrote for nothing.
APP_EVENTS = ROUTED_EVENTS | {"ApplicationReplaced"}
LEG_KINDS = ("agent", "xfer", "consult", "party", "emer", "monitor", "snoop")  # monitor, snoop: ivr.monitor
OUTBOUND_KINDS = ("survey", "outbound")  # channels the platform dialled on its own (ivr.survey, ivr.outbound)
HEARTBEAT_SECONDS = 1.0


class Worker:
    def __init__(self, *, settings: Settings, ports: CallPorts, dispatcher: Dispatcher, seats: SeatDirectory,
                 recorder: Recorder, publisher: Publisher, sessionmaker, redis, ari: AriClient,
                 records: CallRecords, prompts: PromptLibrary, ownership: Ownership, ws_base: str,
                 api_key: str) -> None:
        self.settings, self.sessionmaker, self.redis = settings, sessionmaker, redis
        self.ports, self.registry, self.calls = ports, ports.registry, ports.telephony
        self.ari, self.store, self.records = ari, ports.acd, records
        self.dispatcher, self.seats, self.recorder, self.publisher = dispatcher, seats, recorder, publisher
        self.prompts, self.ownership = prompts, ownership
        self.ws_base, self.api_key = ws_base, api_key
        self.own_app = f"{settings.telephony.ari_app}-{settings.calls.worker_id}"
        self.call_regions = parse_call_regions(settings.calls.call_regions)  # a bad value fails at start
        self.apps: dict[str, AppConnection] = {}
        self.request_sockets: list[AppConnection] = []
        self.seat_watch: AppConnection | None = None  # the seats' registration states (watch_seats)
        self.sessions = self.registry.calls  # the command server finds a command's call here
        self.resyncer = Resyncer(ports, records=records, sessionmaker=sessionmaker, worker_id=settings.calls.worker_id,
                                 start_inbound=self.start_inbound)
        self._tasks: list[asyncio.Task] = []
        self.extra_loops: list = []  # coroutine factories started with the worker (ivr.plugin: survey dialer …)
        self.stopping = False
        self.lost_own = asyncio.Event()  # set when another process took our own application

    # ---------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Claim our application, connect, and start the background loops."""
        await self.prompts.ensure_all()
        self._spool_dir_ready()
        if not await self.ownership.hold(self.own_app):
            raise RuntimeError(f"application {self.own_app} is owned by another worker")
        self.connect_app(self.own_app)
        self.open_request_sockets()
        self.watch_seats()
        await self.hold_fallback_app()
        for loop in (self.heartbeat_loop(), self.adoption_loop(), self.dispatcher.run(),
                     self.publisher.queue_stats_loop(), self.seat_secrets_loop(),
                     *(loop() for loop in self.extra_loops)):
            self._tasks.append(asyncio.create_task(loop))

    async def stop(self) -> None:
        """Graceful stop: calls stay up in Asterisk; another worker (or our restart) adopts them."""
        self.stopping = True
        await stop_tasks(self._tasks, timeout=STOP_SECONDS)
        for conn in [*self.apps.values(), *self.request_sockets, *filter(None, [self.seat_watch])]:
            await conn.stop()
        sessions = self.registry.live()  # opening ones too
        await stop_tasks((s.task for s in sessions), timeout=STOP_SECONDS)
        for app in list(self.apps):
            await self.ownership.release(app, forget=False)

    def _spool_dir_ready(self) -> None:
        from pbx import recordings_host_dir

        with contextlib.suppress(OSError):
            recordings_host_dir(self.settings).mkdir(parents=True, exist_ok=True)

    def connect_app(self, app: str) -> AppConnection:
        conn = AppConnection(
            self.ari, self.ws_base, self.api_key, app,
            on_event=lambda event: self.on_event(app, event),
            on_connected=lambda: self.resync(app),
            on_disconnected=lambda: self.ownership.mark_live(app, False) if app == self.own_app else _noop(),
            on_replaced=lambda: self.lost_app(app))
        self.apps[app] = conn
        conn.start()
        return conn

    def open_request_sockets(self) -> None:
        """Websockets opened only to carry ARI requests (ivr.ari_ws; HOTLINE_ARI_REQUEST_SOCKETS):
        one request in flight on each, HTTP when all are busy. Their application names
        (`<own app>-req<n>`) never get a call. The applications' own websockets carry none:
        Asterisk reads a websocket (its keepalive too) in the thread that runs its requests, and
        a command waiting for a busy channel must never cost the events' websocket (a
        reconnect is a re-sync)."""
        for n in range(self.settings.telephony.ari_request_sockets):
            conn = AppConnection(self.ari, self.ws_base, self.api_key, f"{self.own_app}-req{n}",
                                 on_event=_ignore, on_connected=_noop, carry_requests=True,
                                 ping_timeout=REQUEST_PING_TIMEOUT)
            self.request_sockets.append(conn)
            conn.start()

    def watch_seats(self) -> None:
        """The seats' registration states (EndpointStateChange) on an application of their own,
        `<own app>-seats`, which never gets a call. Subscribed to a seat's endpoint, an
        application also gets every event of every channel of that endpoint (about 40 per call,
        most of them ChannelVarset, each a second time for an agent leg already in the call's
        application): on the calls' application they filled Asterisk's queue for it (500 events
        at 16 calls/s, when PJSIP refuses new calls) and the worker's event loop."""
        app = f"{self.own_app}-seats"
        self.seat_watch = AppConnection(self.ari, self.ws_base, self.api_key, app, on_event=self.on_seat_event,
                                        on_connected=lambda: self.seats.watch_endpoints(self.ari, app))
        self.seat_watch.start()

    async def on_seat_event(self, event: dict) -> None:
        if event.get("type") == "EndpointStateChange":
            self.seats.endpoint_changed(event.get("endpoint", {}))

    async def hold_fallback_app(self) -> None:
        """One worker of the node also serves the dialplan's default application (HOTLINE_ARI_APP):
        calls whose routing hint failed (AGI slow or down) land there instead of being refused."""
        base = self.settings.telephony.ari_app
        if base not in self.apps and await self.ownership.hold(base):
            log.info("serving the fallback application", extra={"app": base})
            self.connect_app(base)

    @property
    def connected(self) -> bool:
        conn = self.apps.get(self.own_app)
        return conn is not None and conn.connected.is_set()

    # ---------------------------------------------------------------- loops
    async def heartbeat_loop(self) -> None:
        while True:
            try:
                for app in list(self.apps):
                    if not await self.ownership.hold(app):
                        await self.lost_app(app)
                await self.ownership.mark_live(self.own_app, self.connected)
                await self.ownership.set_load(self.own_app, sum(1 for s in self.registry.calls.values()
                                                                if s.app == self.own_app))
            except Exception:
                log.warning("heartbeat failed", exc_info=True)
            await asyncio.sleep(HEARTBEAT_SECONDS)  # the heartbeat period itself

    async def seat_secrets_loop(self) -> None:
        """Keep Asterisk on the seats' stored SIP secrets: once at start (a rotation made while
        no worker ran), then at every rotation the API announces (R-35)."""
        bus = EventBus(self.redis, self.settings.redis.events_channel)
        backoff = 0.5
        while True:
            try:
                await seat_secrets.apply(self.settings, self.sessionmaker, self.ari)
                async for event in bus.events():
                    backoff = 0.5
                    if event.type == seat_secrets.SEAT_SECRETS_CHANGED:
                        await seat_secrets.apply(self.settings, self.sessionmaker, self.ari)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis, database or Asterisk away: try again, the apply is idempotent
                log.warning("seat secrets not applied; retrying", exc_info=True)
                await asyncio.sleep(backoff)  # back-off before the retry
                backoff = min(backoff * 2, 10)

    async def adoption_loop(self) -> None:
        db_apps: set[str] = set()
        last_db = 0.0
        orphaned_since: dict[str, float] = {}
        while True:
            try:
                if time.monotonic() - last_db > 5:
                    db_apps, last_db = await self.records.open_apps(self.ownership.node), time.monotonic()
                # the fallback application too: after a Redis flush its holder re-takes its key
                # within a heartbeat, so no one else may grab it before a whole TTL has passed
                candidates = db_apps | {self.settings.telephony.ari_app}
                orphans = set(await self.ownership.orphans(also=candidates)) - set(self.apps)
                now = time.monotonic()
                orphaned_since = {app: orphaned_since.get(app, now) for app in orphans}
                for app, since in orphaned_since.items():
                    # an owner key missing for a whole TTL: its worker is dead, not just re-holding
                    # its key after a Redis restart or flush
                    if now - since >= self.ownership.ttl and await self.ownership.hold(app):
                        log.warning("adopting application of a dead worker", extra={"app": app})
                        self.connect_app(app)
                await self.release_idle_adoptions()
            except Exception:
                log.warning("adoption check failed", exc_info=True)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def release_idle_adoptions(self) -> None:
        for app, conn in list(self.apps.items()):
            if app in (self.own_app, self.settings.telephony.ari_app) or not conn.connected.is_set():
                continue
            if any(s.app == app for s in self.registry.calls.values()):
                continue
            if await self.records.open_calls(app):
                continue
            log.info("adopted application released", extra={"app": app})
            await conn.stop()
            del self.apps[app]
            await self.ownership.release(app, forget=True)

    async def lost_app(self, app: str) -> None:
        """Another worker holds the app now: let go of its calls without touching them. Our own
        application taken means a second worker runs with our id: this one stops."""
        if app == self.own_app:
            log.error("our own application was taken over (same worker id running twice?); stopping",
                      extra={"app": app})
            self.lost_own.set()
        conn = self.apps.pop(app, None)
        if conn is not None:
            conn.replaced = True
            self._tasks.append(asyncio.create_task(conn.stop()))
        for session in [s for s in self.registry.calls.values() if s.app == app]:
            if session.task:
                session.task.cancel()

    async def resync(self, app: str) -> None:
        """Make our picture match Asterisk's: called after every (re)connect of app."""
        await self.calls.only_events(app, APP_EVENTS)
        channels, bridges = await self.resyncer.reconcile(app)
        if app == self.own_app:
            await self.ownership.mark_live(app, True)
        await self.store.wake("resync")
        log.info("re-synced", extra={"app": app, "channels": len(channels), "bridges": len(bridges)})

    # ---------------------------------------------------------------- events
    async def on_event(self, app: str, event: dict) -> None:
        kind = event.get("type")
        if kind not in ROUTED_EVENTS:
            return
        if kind == "StasisStart":
            await self.on_stasis_start(app, event)
            return
        if kind in ("RecordingFinished", "RecordingFailed"):
            self.recorder.finished(event.get("recording", {}).get("name", ""), kind)
            return
        if kind == "PlaybackFinished":
            session = self.registry.by_playback(event["playback"]["id"])
        else:
            session = self.registry.by_channel(event.get("channel", {}).get("id"))
        if session is not None:
            session.post(event)

    async def on_stasis_start(self, app: str, event: dict) -> None:
        channel, args = event["channel"], event.get("args") or []
        if args and args[0] in OUTBOUND_KINDS:  # a survey or click-to-call channel answered
            owner = self.registry.by_channel(channel["id"])
            if owner is None:  # its try is over
                self.ports.background.run(self.calls.hangup(channel["id"]))
            else:
                owner.post(event)
            return
        if args and args[0] in LEG_KINDS:
            session = self.registry.by_channel(channel["id"])
            if session is None and len(args) > 1 and args[1].isdigit():
                session = self.registry.call(int(args[1]))
            if session is None:  # a leg of a call that is over
                self.ports.background.run(self.calls.hangup(channel["id"]))
                return
            session.post(event)
            return
        if self.registry.knows_channel(channel["id"]):
            return  # already ours (re-sync raced with the event)
        await self.start_inbound(app, channel)

    async def start_inbound(self, app: str, channel: dict) -> CallSession:
        """A new call's actor, at once: it writes its own record, so the event pump never waits
        for the database (R-01); the call's next events queue in its inbox meanwhile."""
        caller = channel.get("caller", {}).get("number") or "anonymous"
        started = utcnow()
        called = (channel.get("dialplan", {}).get("exten") or "12345")[:32]
        region = region_at_start(self.call_regions, called)
        opening = {"channel_id": channel["id"], "app": app, "node": self.ownership.node,
                   "caller_number": caller[:32], "called_number": called, "phase": "ivr", "started_at": started,
                   "region_code": region}
        session = CallSession(self.ports, app, call_id=None, caller=channel["id"], caller_number=caller,
                              started_at=started, opening=opening, region_code=region)
        self.registry.add_channel(channel["id"], session)
        session.start(fresh=True)
        return session


async def _noop() -> None:
    return None


async def _ignore(event: dict) -> None:
    return None

