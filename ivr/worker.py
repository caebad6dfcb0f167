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
from typing import Any

from sqlalchemy import select

from acd.dispatcher import Dispatcher
from acd.queues import QUEUES
from acd.routing import queue_position
from acd.store import AcdStore
from calls.regions import parse_call_regions, region_at_start
from calls.repository import CallRecords
from core.settings import Settings
from core.timeutil import utcnow
from ivr.ari import AriClient
from ivr.connection import AppConnection
from ivr.messages import QueueStats, RecordingReady
from ivr.notifier import Notifier
from ivr.ownership import Ownership
from ivr.prompts import PromptLibrary
from ivr.resync import ResyncMixin
from ivr.services import CallServices
from ivr.session import CallSession, agent_state_message
from ivr.tickets import TicketLookup
from models import Call, OrgUnit, User
from pbx import seat_secrets
from realtime.bus import EventBus
from recordings.service import remove_spool_file, store_recording

log = logging.getLogger(__name__)
ROUTED_EVENTS = {"StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelHangupRequest", "ChannelDtmfReceived",
                 "PlaybackFinished", "RecordingFinished", "RecordingFailed", "EndpointStateChange"}
LEG_KINDS = ("agent", "xfer", "consult", "party", "emer")
HEARTBEAT_SECONDS = 1.0
RECORDING_WAIT_SECONDS = 5.0
QUEUE_STATS_INTERVAL = 0.5  # queue.stats at most this often: a burst of calls is one scan, not one each


class Worker(ResyncMixin):
    def __init__(self, *, settings: Settings, sessionmaker, redis, ari: AriClient, store: AcdStore,
                 records: CallRecords, notifier: Notifier, prompts: PromptLibrary, tickets: TicketLookup,
                 ownership: Ownership, ws_base: str, api_key: str) -> None:
        self.settings, self.sessionmaker, self.redis = settings, sessionmaker, redis
        self.ari, self.calls = ari, CallServices(ari)
        self.store, self.records, self.notifier = store, records, notifier
        self.prompts, self.tickets, self.ownership = prompts, tickets, ownership
        self.ws_base, self.api_key = ws_base, api_key
        self.own_app = f"{settings.telephony.ari_app}-{settings.calls.worker_id}"
        self.call_regions = parse_call_regions(settings.calls.call_regions)  # a bad value fails at start
        self.apps: dict[str, AppConnection] = {}
        self.sessions: dict[int, CallSession] = {}
        self.by_channel: dict[str, CallSession] = {}
        self.by_bridge: dict[str, CallSession] = {}
        self.by_playback: dict[str, CallSession] = {}
        self.recording_waiters: dict[str, asyncio.Future] = {}
        self.dispatcher = Dispatcher(store, self.sessions, ring_timeout=settings.calls.ring_timeout_seconds)
        self._tasks: list[asyncio.Task] = []
        self._background: set[asyncio.Task] = set()
        self.endpoint_states: dict[str, str] = {}  # PJSIP endpoint -> online/offline (pushed by Asterisk)
        self._user_cache: dict[int, dict] = {}
        self._last_stats: dict[str, tuple[int, float]] = {}
        self.stopping = False
        self.lost_own = asyncio.Event()  # set when another process took our own application
        self._stats_due = asyncio.Event()

    # ---------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Claim our application, connect, and start the background loops."""
        await self.prompts.ensure_all()
        self._spool_dir_ready()
        if not await self.ownership.hold(self.own_app):
            raise RuntimeError(f"application {self.own_app} is owned by another worker")
        self.connect_app(self.own_app)
        await self.hold_fallback_app()
        for loop in (self.heartbeat_loop(), self.adoption_loop(), self.dispatcher.run(), self.queue_stats_loop(),
                     self.seat_secrets_loop()):
            self._tasks.append(asyncio.create_task(loop))

    async def stop(self) -> None:
        """Graceful stop: calls stay up in Asterisk; another worker (or our restart) adopts them."""
        self.stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for conn in list(self.apps.values()):
            await conn.stop()
        sessions = set(self.sessions.values()) | set(self.by_channel.values())  # opening ones too
        for session in sessions:
            if session.task:
                session.task.cancel()
        await asyncio.gather(*(s.task for s in sessions if s.task), return_exceptions=True)
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
                await self.ownership.set_load(self.own_app, sum(1 for s in self.sessions.values()
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
            if any(s.app == app for s in self.sessions.values()):
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
        for session in [s for s in self.sessions.values() if s.app == app]:
            if session.task:
                session.task.cancel()

    # ---------------------------------------------------------------- events
    async def on_event(self, app: str, event: dict) -> None:
        kind = event.get("type")
        if kind not in ROUTED_EVENTS:
            return
        if kind == "StasisStart":
            await self.on_stasis_start(app, event)
            return
        if kind == "EndpointStateChange":
            endpoint = event.get("endpoint", {})
            self.endpoint_states[endpoint.get("resource", "")] = endpoint.get("state", "")
            return
        if kind in ("RecordingFinished", "RecordingFailed"):
            waiter = self.recording_waiters.pop(event.get("recording", {}).get("name", ""), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(kind)
            return
        if kind == "PlaybackFinished":
            session = self.by_playback.get(event["playback"]["id"])
        else:
            session = self.by_channel.get(event.get("channel", {}).get("id"))
        if session is not None:
            session.post(event)

    async def on_stasis_start(self, app: str, event: dict) -> None:
        channel, args = event["channel"], event.get("args") or []
        if args and args[0] in LEG_KINDS:
            session = self.by_channel.get(channel["id"])
            if session is None and len(args) > 1 and args[1].isdigit():
                session = self.sessions.get(int(args[1]))
            if session is None:  # a leg of a call that is over
                self.background(self.calls.hangup(channel["id"]))
                return
            session.post(event)
            return
        if channel["id"] in self.by_channel:
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
        session = CallSession(self, app, call_id=None, caller=channel["id"], caller_number=caller,
                              started_at=started, opening=opening, region_code=region)
        self.index_channel(channel["id"], session)
        session.start(fresh=True)
        return session

    # ---------------------------------------------------------------- indexes
    def index_call(self, session: CallSession) -> None:
        self.sessions[session.call_id] = session
        self.by_channel[session.caller] = session

    def unindex_call(self, session: CallSession) -> None:
        if self.sessions.get(session.call_id) is session:
            del self.sessions[session.call_id]
        for index in (self.by_channel, self.by_bridge, self.by_playback):
            for key in [k for k, v in index.items() if v is session]:
                del index[key]

    def index_channel(self, channel_id: str, session: CallSession) -> None:
        self.by_channel[channel_id] = session

    def unindex_channel(self, channel_id: str) -> None:
        self.by_channel.pop(channel_id, None)

    def index_bridge(self, bridge_id: str, session: CallSession) -> None:
        self.by_bridge[bridge_id] = session

    def unindex_bridge(self, bridge_id: str) -> None:
        self.by_bridge.pop(bridge_id, None)

    def index_playback(self, playback_id: str, session: CallSession) -> None:
        self.by_playback[playback_id] = session

    def unindex_playback(self, playback_id: str) -> None:
        self.by_playback.pop(playback_id, None)

    # ---------------------------------------------------------------- helpers for sessions
    async def notify(self, type_: str, message: Any, *, agent_id: int | None = None, broadcast: bool = True,
                     region_code: str | None = None, user_ids: tuple[int | None, ...] = ()) -> None:
        """Publish an event of a call (region_code: the call's) or an agent (the agent's unit's)."""
        await self.notifier.publish(type_, message, agent_id=agent_id, broadcast=broadcast, region_code=region_code,
                                    user_ids=[u for u in user_ids if u])

    async def agent_changed(self, user_id: int | None) -> None:
        if user_id is None:
            return
        agent = await self.store.get_agent(user_id)
        if agent is not None:
            region = (await self.user_brief(user_id)).get("region_code")
            await self.notify("agent.state", agent_state_message(agent), region_code=region)

    async def queue_position(self, call_id: int) -> int | None:
        calls = await self.store.waiting_calls()
        return queue_position([c.waiting() for c in calls], call_id)

    def queue_stats_changed(self) -> None:
        """A queue's length or longest wait changed; queue_stats_loop publishes soon."""
        self._stats_due.set()

    async def queue_stats_loop(self) -> None:
        while True:
            await self._stats_due.wait()
            self._stats_due.clear()
            try:
                await self.publish_queue_stats()
            except Exception:
                log.warning("queue stats failed", exc_info=True)
            await asyncio.sleep(QUEUE_STATS_INTERVAL)  # the coalescing period itself

    async def publish_queue_stats(self) -> None:
        now = time.time()
        stats: dict[str, tuple[int, float]] = {}
        for call in await self.store.waiting_calls():
            if call.state in ("waiting", "offered"):
                count, longest = stats.get(call.queue, (0, 0.0))
                stats[call.queue] = (count + 1, max(longest, now - call.entered_at))
        for queue in set(stats) | set(self._last_stats):
            count, longest = stats.get(queue, (0, 0.0))
            if queue in QUEUES:
                await self.notify("queue.stats", QueueStats(queue=queue, waiting=count,
                                                            longest_wait_seconds=round(longest, 1)))
        self._last_stats = stats

    async def endpoint_for(self, extension: str) -> str | None:
        """The seat's browser softphone if registered, else its desk phone, else None."""
        if not extension:
            return None
        browser, phone = await asyncio.gather(self.endpoint_online(f"webrtc{extension}"),
                                              self.endpoint_online(extension))
        if browser:
            return f"PJSIP/webrtc{extension}"
        return f"PJSIP/{extension}" if phone else None

    async def endpoint_online(self, resource: str) -> bool:
        """From the endpoint states Asterisk pushes to our app (no request on the ring path);
        asked over ARI only for an endpoint we have no state of."""
        state = self.endpoint_states.get(resource)
        if state is None:
            return await self.calls.endpoint_online(resource)
        return state == "online"

    async def watch_endpoints(self, app: str) -> None:
        """Take the seats' registration states and subscribe app to their changes."""
        from pbx.render import SEAT_EXTENSIONS

        self.endpoint_states = {e["resource"]: e["state"] for e in await self.ari.endpoints.listByTech(tech="PJSIP")}
        for ext in SEAT_EXTENSIONS:
            for resource in (ext, f"webrtc{ext}"):
                await self.ari.applications.subscribe(applicationName=app, eventSource=f"endpoint:PJSIP/{resource}")

    def background(self, coro) -> None:
        """Fire-and-forget work off the call's critical path (events, a stray leg's hang-up);
        failures are logged."""
        task = asyncio.create_task(coro, name=getattr(coro, "__qualname__", None))
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:  # never lost: said here, with its trace
            log.error("background task failed", extra={"task": task.get_name()}, exc_info=task.exception())

    async def user_brief(self, user_id: int | None) -> dict:
        if user_id is None:
            return {}
        if user_id not in self._user_cache:
            async with self.sessionmaker() as session:
                row = (await session.execute(select(User.username, User.extension, OrgUnit.region_code)
                                             .join(OrgUnit, OrgUnit.id == User.org_unit_id)
                                             .where(User.id == user_id))).first()
                self._user_cache[user_id] = {"username": row.username, "extension": row.extension,
                                             "region_code": row.region_code} if row else {}
        return self._user_cache[user_id]

    async def user_for_extension(self, extension: str) -> int | None:
        if not extension.isdigit():
            return None
        async with self.sessionmaker() as session:
            return await session.scalar(select(User.id).where(User.extension == extension, User.active.is_(True)))

    def recording_finished_waiter(self, name: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.recording_waiters[name] = future
        return future

    async def wait_recording(self, future: asyncio.Future | None, name: str) -> None:
        """Until Asterisk closed the file (bounded; a resumed call has no waiter: bridge gone)."""
        if future is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(future), RECORDING_WAIT_SECONDS)
        except TimeoutError:
            log.warning("no RecordingFinished event", extra={"recording": name})
        finally:
            self.recording_waiters.pop(name, None)

    async def store_recording(self, session: CallSession) -> int | None:
        seat = session.agent.user_id if session.agent else None
        return await self._store_recording(session.call_id, session.recording_name, None, seats=(seat,))

    async def _store_recording(self, call_id: int, name: str, started_at,
                               seats: tuple[int | None, ...] = ()) -> int | None:
        """File the recording with its row; the spool file goes only once the row is committed
        (a failed commit leaves it for the retry). Safe to run again (R-17). `recording.ready`
        goes only to the call's seats and its region's supervisors (R-17, R-25)."""
        async with self.sessionmaker() as db:
            call = await db.get(Call, call_id)
            recording = await store_recording(db, settings=self.settings, name=name, call_id=call_id,
                                              started_at=started_at or (call.answered_at if call else None))
            if recording is None:
                return None
            await db.commit()
        remove_spool_file(self.settings, name)
        await self.calls.delete_stored(name)
        await self.notify("recording.ready", RecordingReady(recording_id=recording.id, call_id=call_id,
                                                            duration_seconds=recording.duration_seconds),
                          broadcast=False, agent_id=call.agent_id if call else None, user_ids=seats,
                          region_code=call.region_code if call else None)
        return recording.id


async def _noop() -> None:
    return None

