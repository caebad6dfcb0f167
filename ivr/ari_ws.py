"""ARI REST over an events websocket (Asterisk 22: `RESTRequest` / `RESTResponse` frames).

Asterisk 22 takes REST requests on the same websocket that carries an application's events
(res/ari/ari_websocket_requests.c): the client sends

    {"type": "RESTRequest", "request_id": "7", "method": "POST",
     "uri": "channels/<id>/moh", "query_strings": [{"name": "mohClass", "value": "default"}],
     "content_type": "application/json", "message_body": "{...}"}      # body only when there is one

and gets, among the events, `{"type": "RESTResponse", "request_id": "7", "status_code": 204,
"reason_phrase": "No Content", "uri": …, "content_type"?, "message_body"?}` (the body is a JSON
text). There is no HTTP connection, no header to write or parse per command: on the worker
this was a third of its CPU with httpx. Asterisk runs one websocket's requests one after
the other, in the order they were sent, and a command for a channel that is busy (playing a prompt)
waits for it: ivr.ari.AriClient sends one request at a time per websocket over several
websockets (the applications' own and a few opened for requests only), and falls back to
HTTP when all of them are busy.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Send = Callable[[str], Awaitable[None]]
# httpx's timeout bounds each wait for data; this one bounds the whole request, measured by the
# worker's event loop. A starved worker (its loop seconds behind) finds answers that arrived
# long ago only late: the request gets three times the client's timeout, and a few more turns
# of the loop (its pending reads) before it fails.
TIMEOUT_FACTOR = 3
LATE_TURNS = 3


class AriSocketClosed(httpx.TransportError):
    """The websocket carrying the request closed before its answer came (an httpx transport
    error, so the callers' handling of "Asterisk away" is the same for both transports)."""


class AriSocketTimeout(httpx.TimeoutException):
    """No answer within the client's timeout."""


class WsTransport:
    """Requests over one websocket; the websocket's reader hands RESTResponse frames to
    `resolve` (ivr.connection.AppConnection)."""

    def __init__(self, send: Send, name: str = "") -> None:
        self._send, self.name = send, name
        self._ids = itertools.count(1)
        self.pending: dict[str, asyncio.Future] = {}
        self.closed = False
        self.sent = 0  # requests sent (tests, health)

    async def request(self, method: str, uri: str, query: dict[str, str], body: Any,
                      timeout: float) -> tuple[int, str | None]:
        """(status, JSON text of the body or None); raises AriSocketClosed/AriSocketTimeout."""
        if self.closed:
            raise AriSocketClosed(f"ARI websocket {self.name} closed")
        request_id = str(next(self._ids))
        frame: dict[str, Any] = {"type": "RESTRequest", "request_id": request_id, "method": method,
                                 "uri": uri.lstrip("/")}
        if query:
            frame["query_strings"] = [{"name": k, "value": v} for k, v in query.items()]
        if body is not None:
            frame["content_type"], frame["message_body"] = "application/json", json.dumps(body)
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        try:
            await self._send(json.dumps(frame))
            self.sent += 1
            await asyncio.wait((future,), timeout=timeout * TIMEOUT_FACTOR)
            for _ in range(LATE_TURNS):  # a starved event loop may hold an answer unread
                if future.done():
                    break
                await asyncio.sleep(0)  # one turn of the loop: its pending reads are done
            if not future.done():
                raise AriSocketTimeout(f"{method} {uri}: no answer within {timeout * TIMEOUT_FACTOR} s")
            return future.result()
        except (OSError, ConnectionError) as exc:
            raise AriSocketClosed(f"{method} {uri}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("websockets"):  # ConnectionClosed while sending
                raise AriSocketClosed(f"{method} {uri}: {exc}") from exc
            raise
        finally:
            self.pending.pop(request_id, None)
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: a failure raised elsewhere is not reported twice

    def resolve(self, frame: dict) -> None:
        """A RESTResponse arrived: answer the request waiting for it (a late one is dropped)."""
        future = self.pending.get(str(frame.get("request_id", "")))
        if future is not None and not future.done():
            future.set_result((int(frame.get("status_code") or 0), frame.get("message_body") or None))

    def close(self, reason: str = "closed") -> None:
        """The websocket is gone: every request still waiting fails (never hangs)."""
        self.closed = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(AriSocketClosed(f"ARI websocket {self.name} {reason}"))
