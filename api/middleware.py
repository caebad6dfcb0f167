"""ASGI middleware: request ids and client address in context, request body size limit."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.context import client_ip_var, request_id_var
from core.proxies import Network, client_address

log = logging.getLogger("hotline.http")


class RequestContextMiddleware:
    """Give every request an id (X-Request-ID in and out) and its client's address (through
    trusted proxies only, core/proxies.py), and log one line per request."""

    def __init__(self, app: ASGIApp, trusted_proxies: tuple[Network, ...] = ()) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_headers = scope.get("headers") or []
        headers = dict(raw_headers)
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = incoming if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        request_token = request_id_var.set(request_id)
        client = scope.get("client")
        forwarded = [value.decode("latin-1") for name, value in raw_headers if name == b"x-forwarded-for"]
        ip_token = client_ip_var.set(client_address(client[0] if client else None, forwarded, self.trusted_proxies))
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                log.info("request", extra={"method": scope.get("method"), "path": scope.get("path"),
                                           "status": status["code"],
                                           "ms": round((time.perf_counter() - started) * 1000, 1)})
            request_id_var.reset(request_token)
            client_ip_var.reset(ip_token)


class BodySizeLimitMiddleware:
    """Refuse request bodies over max_bytes with 413 before the application reads them.

    `larger`: (path pattern, limit) pairs for the few routes that take files (a ticket attachment)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.larger = tuple(larger)

    def _limit(self, path: str) -> int:
        return next((max(limit, self.default_max_bytes) for pattern, limit in self.larger if pattern.match(path)),
                    self.default_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > max_bytes:
                await _too_large(send, max_bytes)
                return
            await self.app(scope, receive, send)
            return
        # no length given (chunked): buffer up to the limit, then replay to the app
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > max_bytes:
                await _too_large(send, max_bytes)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, max_bytes: int) -> None:
    payload = json.dumps({"code": "body_too_large",
                          "detail": f"请求体过大，上限 {max_bytes} 字节 (request body too large)"},
                         ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
