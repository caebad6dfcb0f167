"""One ARI application's event connection: connect, reconnect with backoff, re-sync.

Asterisk does not queue events for a disconnected application, so after every (re)connect
the owner re-reads the live channels and bridges (`on_connected`) before it handles the
events that arrived meanwhile. The websocket is opened first, so nothing that happens
during the re-sync is missed. `ApplicationReplaced` (another websocket took the app) ends
the connection for good: the app belongs to someone else now.

A websocket may also carry ARI requests (ivr.ari_ws; the worker opens a few for that alone):
a reader task hands each RESTResponse to its waiting request at once and queues the events,
which are handled one at a time and in order, so a handler may itself wait for an ARI answer.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import httpx
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ivr.ari import AriClient, AriError
from ivr.ari_ws import WsTransport

log = logging.getLogger(__name__)

EventHandler = Callable[[dict], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]
BACKOFF_START, BACKOFF_MAX = 0.25, 5.0
PING_INTERVAL, PING_TIMEOUT = 5.0, 5.0
# Asterisk reads a websocket's frames, keepalive pongs included, in the thread that runs its
# requests: a websocket carrying requests waits longer for a pong than the slowest request
# may take (ivr.ari_ws: 30 s), so a slow command never costs the socket.
REQUEST_PING_TIMEOUT = 35.0


class AppConnection:
    """Owns the websocket of one Stasis application name."""

    def __init__(self, ari: AriClient, ws_base: str, api_key: str, app: str, *,
                 on_event: EventHandler, on_connected: Hook, on_disconnected: Hook | None = None,
                 on_replaced: Hook | None = None, carry_requests: bool = False,
                 ping_timeout: float = PING_TIMEOUT) -> None:
        self.ari, self.app = ari, app
        self.carry_requests = carry_requests  # attach the websocket to the client for its requests
        self.ping_timeout = ping_timeout
        self.transport: WsTransport | None = None
        self.url = f"{ws_base}/events?app={quote(app)}&api_key={quote(api_key, safe=':')}&subscribeAll=false"
        self.on_event, self.on_connected = on_event, on_connected
        self.on_disconnected, self.on_replaced = on_disconnected, on_replaced
        self.connected = asyncio.Event()
        self.replaced = False
        self.connects = 0  # how many times a connection was made (health / tests)
        self.last_error: str | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"ari-{self.app}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.connected.clear()

    @property
    def done(self) -> bool:
        return self._task is not None and self._task.done()

    async def _run(self) -> None:
        backoff = BACKOFF_START
        while not self.replaced:
            try:
                async with websockets.connect(self.url, open_timeout=5, ping_interval=PING_INTERVAL,
                                              ping_timeout=self.ping_timeout, close_timeout=2,
                                              max_size=2**23) as ws:
                    await self._serve(ws)
            except asyncio.CancelledError:
                raise
            except (TimeoutError, OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, AriError,
                    httpx.TransportError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                if error != self.last_error:  # once per streak, not once per retry
                    log.warning("ARI connection failed; retrying", extra={"app": self.app, "error": error})
                self.last_error = error
            except Exception as exc:  # a bug in a handler must not kill the connection owner
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("ARI connection failed", extra={"app": self.app})
            if self.connected.is_set():
                backoff = BACKOFF_START  # it was up: the first retry comes soon
                self.connected.clear()
                log.warning("ARI app disconnected", extra={"app": self.app, "error": self.last_error})
                if self.on_disconnected:
                    await self.on_disconnected()
            if self.replaced:
                break
            await asyncio.sleep(backoff)  # reconnect backoff, not a wait for an event
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _serve(self, ws) -> None:
        """One connection: reader started, requests attached, re-sync, then the events."""
        transport = WsTransport(ws.send, self.app)
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(self._read(ws, transport, events), name=f"ari-read-{self.app}")
        try:
            if not self.ari.operations:
                await self.ari.load_spec()
            if self.carry_requests:
                self.transport = transport
                self.ari.attach(transport)
            self.connects += 1
            await self.on_connected()  # re-sync before trusting any event (they wait in `events`)
            self.connected.set()
            log.info("ARI app connected", extra={"app": self.app, "connects": self.connects})
            await self._handle(events)
        finally:
            self.ari.detach(transport)
            transport.close("disconnected")
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    @staticmethod
    async def _read(ws, transport: WsTransport, events: asyncio.Queue) -> None:
        """Every frame: a RESTResponse answers its request now; an event waits its turn. The
        websocket's error (the pump raises it) or its end is queued last."""
        try:
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    log.warning("malformed ARI frame skipped")
                    continue
                if frame.get("type") == "RESTResponse":
                    transport.resolve(frame)
                else:
                    events.put_nowait(frame)
        except asyncio.CancelledError:
            raise
        except (ConnectionClosed, OSError) as exc:  # the pump raises it: reconnect
            events.put_nowait(exc)
        finally:
            transport.close("closed")
            events.put_nowait(None)  # whatever ended the reader, the pump ends too

    async def _pump(self, ws) -> None:
        """Every event of ws handled, in order, until it ends (its requests answered meanwhile)."""
        transport = WsTransport(lambda text: ws.send(text), self.app)
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(self._read(ws, transport, events), name=f"ari-read-{self.app}")
        try:
            await self._handle(events)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _handle(self, events: asyncio.Queue) -> None:
        while True:
            event = await events.get()
            if event is None:
                return
            if isinstance(event, BaseException):
                raise event
            if event.get("type") == "ApplicationReplaced":
                self.replaced = True
                log.warning("ARI app taken over by another connection", extra={"app": self.app})
                if self.on_replaced:
                    await self.on_replaced()
                return
            try:
                await self.on_event(event)
            except Exception:
                log.exception("ARI event handler failed", extra={"app": self.app, "event": event.get("type")})
