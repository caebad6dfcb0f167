"""Websocket gateways for the agent desktop and the wallboards.

The client authenticates with its first frame, then receives events; the server pings and
closes with an explicit code when the client stops answering or its token runs out. Each
connection's tasks (send, receive, ping, expiry) are supervised together: when one ends,
all end.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from access.authentication import principal_from_token
from access.permissions import Permission
from access.principal import Principal
from access.tokens import read_token
from core.errors import DomainError
from core.resources import Resources
from core.tasks import stop_tasks
from core.timeutil import utcnow
from events.bus import Hub
from events.envelope import SESSION_REVOKED, BusEvent
from realtime.messages import CloseCode, Frame, event_frame, revocation_close_code

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0  # a stopping task gets this long (cancelled again meanwhile: core.tasks)
AUTH_TIMEOUT_SECONDS = 5
QUEUE_LIMIT = 1000

# the event as this person may see it (the same object, a narrowed copy), or None to drop it
EventView = Callable[[Principal, BusEvent], BusEvent | None]


class Rejected(Exception):
    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _parse(raw: str) -> Frame:
    try:
        return Frame.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise Rejected(CloseCode.PROTOCOL_ERROR, "malformed frame") from exc


async def _authenticate(ws: WebSocket, resources: Resources, token: str) -> tuple[Principal, float]:
    claims = read_token(token, key=resources.secret_key)
    try:
        async with resources.sessionmaker() as session:
            principal = await principal_from_token(session, token, key=resources.secret_key)
    except DomainError as exc:
        raise Rejected(CloseCode.UNAUTHORIZED, exc.message) from exc
    assert claims is not None
    return principal, claims.expires_at.timestamp()


async def _first_frame(ws: WebSocket, resources: Resources) -> tuple[Principal, float]:
    try:
        raw = await asyncio.wait_for(ws.receive_text(), timeout=AUTH_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise Rejected(CloseCode.UNAUTHORIZED, "no auth frame") from exc
    frame = _parse(raw)
    token = frame.data.get("token")
    if frame.op != "auth" or not isinstance(token, str):
        raise Rejected(CloseCode.UNAUTHORIZED, "first frame must be auth with a token")
    return await _authenticate(ws, resources, token)


class Connection:
    """One authenticated socket and its supervised tasks."""

    def __init__(self, ws: WebSocket, resources: Resources, principal: Principal, expires_at: float,
                 view: EventView) -> None:
        self.ws, self.resources, self.principal, self.expires_at = ws, resources, principal, expires_at
        self.view = view
        self.outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.pong = asyncio.Event()
        self.close_code = CloseCode.NORMAL
        self.revoked: asyncio.Future[Rejected] = asyncio.get_running_loop().create_future()

    def on_event(self, event: BusEvent) -> None:
        if event.type == SESSION_REVOKED:  # checked before any audience filter: it is never forwarded
            if event.data.get("user_id") == self.principal.user_id and not self.revoked.done():
                reasons = [str(r) for r in event.data.get("reasons", [])]
                self.revoked.set_result(Rejected(revocation_close_code(reasons), "session revoked"))
            return
        shown = self.view(self.principal, event)
        if shown is None:
            return
        if self.outbox.full():  # a consumer this slow reloads over REST anyway
            with contextlib.suppress(asyncio.QueueEmpty):
                self.outbox.get_nowait()
        self.outbox.put_nowait(event_frame(shown, masked=not self.principal.can(Permission.PERSONAL_DATA_READ)))

    async def sender(self) -> None:
        while True:
            await self.ws.send_text(await self.outbox.get())

    async def receiver(self) -> None:
        while True:
            frame = _parse(await self.ws.receive_text())
            if frame.op == "pong":
                self.pong.set()
            elif frame.op == "token.refresh":
                token = frame.data.get("token")
                if not isinstance(token, str):
                    raise Rejected(CloseCode.PROTOCOL_ERROR, "token.refresh needs a token")
                principal, self.expires_at = await _authenticate(self.ws, self.resources, token)
                if principal.user_id != self.principal.user_id:
                    raise Rejected(CloseCode.UNAUTHORIZED, "token of another user")
                # the user was re-read: a changed role or unit means a new sign-in, not this socket
                if (principal.role, principal.org_unit_id) != (self.principal.role, self.principal.org_unit_id):
                    raise Rejected(CloseCode.FORBIDDEN, "role changed")
                await self.ws.send_text(Frame(op="token.refreshed").model_dump_json())
            else:
                raise Rejected(CloseCode.PROTOCOL_ERROR, f"unknown op {frame.op}")

    async def pinger(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)  # the ping period itself, not a wait for an event
            self.pong.clear()
            await self.ws.send_text(Frame(op="ping").model_dump_json())
            try:
                await asyncio.wait_for(self.pong.wait(), timeout=interval)
            except TimeoutError as exc:
                raise Rejected(CloseCode.PING_TIMEOUT, "no pong") from exc

    async def revocation(self) -> None:
        raise await self.revoked

    async def expiry(self) -> None:
        while True:
            remaining = self.expires_at - utcnow().timestamp()
            if remaining <= 0:
                raise Rejected(CloseCode.TOKEN_EXPIRED, "token expired")
            await asyncio.sleep(min(remaining, 60))


async def serve(ws: WebSocket, *, resources: Resources, hub: Hub, view: EventView,
                allowed: Callable[[Principal], bool], ping_seconds: float) -> None:
    """Run one websocket connection from accept to close."""
    await ws.accept()
    # a revocation published while the user is being read from the database must not be missed
    early: list[BusEvent] = []
    hub.add(early.append)
    try:
        principal, expires_at = await _first_frame(ws, resources)
        if not allowed(principal):
            raise Rejected(CloseCode.FORBIDDEN, "role may not use this socket")
    except Rejected as exc:
        await ws.close(code=exc.code, reason=exc.reason)
        return
    except WebSocketDisconnect:
        return
    except Exception:  # e.g. database unavailable: tell the client to retry, don't crash the handler
        log.exception("websocket authentication failed")
        with contextlib.suppress(Exception):
            await ws.close(code=1011, reason="internal error")
        return
    finally:
        hub.discard(early.append)
    conn = Connection(ws, resources, principal, expires_at, view)
    hub.add(conn.on_event)
    for event in early:
        if event.type == SESSION_REVOKED:
            conn.on_event(event)
    await ws.send_text(Frame(op="welcome", data={"user_id": principal.user_id, "role": principal.role,
                                                  "username": principal.username}).model_dump_json())
    tasks = [asyncio.create_task(coro) for coro in
             (conn.sender(), conn.receiver(), conn.pinger(ping_seconds), conn.expiry(),
              conn.revocation())]
    code, reason = CloseCode.NORMAL, ""
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        error = next(iter(done)).exception()
        if isinstance(error, Rejected):
            code, reason = error.code, error.reason
    finally:
        hub.discard(conn.on_event)
        await stop_tasks(tasks, timeout=STOP_SECONDS)
    with contextlib.suppress(Exception):
        await ws.close(code=code, reason=reason)
