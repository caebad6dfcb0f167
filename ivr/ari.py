"""A thin asyncio ARI client, operations checked against Asterisk's own Swagger.

Requests go over a free websocket of those attached (Asterisk 22 REST over websocket,
ivr.ari_ws: no HTTP connection or parser per command; the worker opens them), else over
HTTP (httpx).

The operation table is read from the running Asterisk (`/ari/api-docs/*.json`), so the
client speaks exactly the ARI version it talks to, and a misspelt parameter fails here
with a TypeError instead of being ignored by Asterisk:

    ari = AriClient("http://127.0.0.1:8088/ari", "hotline", password)
    await ari.load_spec()
    await ari.channels.play(channelId=cid, media="sound:hello-world")
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ivr.ari_ws import WsTransport

log = logging.getLogger(__name__)


class AriError(Exception):
    """ARI answered with an error status (404 no such channel, 409 not in Stasis …)."""

    def __init__(self, status: int, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # path | query | body
    required: bool
    multiple: bool
    data_type: str = ""  # Swagger's dataType: a body parameter of type `object` is the whole body


@dataclass(frozen=True)
class Operation:
    resource: str
    nickname: str
    method: str
    path: str  # e.g. /channels/{channelId}/play
    params: dict[str, Param] = field(default_factory=dict)

    def request_parts(self, args: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
        """(path, query, json body) for args; TypeError on an unknown or missing parameter."""
        unknown = set(args) - set(self.params)
        if unknown:
            raise TypeError(f"{self.resource}.{self.nickname}: unknown parameter(s) {sorted(unknown)}")
        missing = [p.name for p in self.params.values() if p.required and args.get(p.name) is None]
        if missing:
            raise TypeError(f"{self.resource}.{self.nickname}: missing parameter(s) {missing}")
        path, query, body = self.path, {}, None
        for name, value in args.items():
            if value is None:
                continue
            param = self.params[name]
            if param.kind == "path":
                path = path.replace("{" + name + "}", _quote(str(value)))
            elif param.kind == "body":
                # Asterisk reads an `object` body parameter (the applications' event filter) as
                # the body itself, a `containers` one (originate's variables) by its name in it
                body = value if param.data_type == "object" else {name: value}
            else:
                query[name] = _query_value(value)
        return path, query, body


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def parse_spec(resource_doc: dict) -> list[Operation]:
    """The operations of one Swagger 1.1 resource document (e.g. channels.json)."""
    resource = resource_doc["resourcePath"].split("/")[-1].split(".")[0]
    operations = []
    for api in resource_doc.get("apis", []):
        for op in api.get("operations", []):
            params = {p["name"]: Param(p["name"], p["paramType"], bool(p.get("required")),
                                       bool(p.get("allowMultiple")), p.get("dataType", ""))
                      for p in op.get("parameters", [])}
            operations.append(Operation(resource, op["nickname"], op["httpMethod"], api["path"], params))
    return operations


class _Resource:
    def __init__(self, client: AriClient, name: str) -> None:
        self._client, self._name = client, name

    def __getattr__(self, nickname: str):
        async def call(**kwargs: Any) -> Any:
            return await self._client.call(self._name, nickname, **kwargs)

        return call


# Kept-alive connections to Asterisk's HTTP server. httpcore looks at every pooled connection
# for each request (O(connections)): with 50, pool upkeep was a third of the worker's time once
# it fell behind at 10 calls/s (bench_acd under cProfile). Asterisk serves a handful at once.
ARI_CONNECTIONS = 8


class AriClient:
    """ARI over the attached websockets, or HTTP. One per worker; safe to share between tasks."""

    def __init__(self, base_url: str, user: str, password: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = httpx.AsyncClient(base_url=self.base_url, auth=(user, password), timeout=timeout,
                                      limits=httpx.Limits(max_connections=ARI_CONNECTIONS))  # all kept alive
        self.operations: dict[tuple[str, str], Operation] = {}
        self.transports: list[WsTransport] = []  # open websockets that carry requests (ivr.connection)

    # ---------------------------------------------------------------- websockets
    def attach(self, transport: WsTransport) -> None:
        """Send requests over this websocket from now on (with the others attached)."""
        if transport not in self.transports:
            self.transports.append(transport)

    def detach(self, transport: WsTransport) -> None:
        if transport in self.transports:
            self.transports.remove(transport)

    def _transport(self) -> WsTransport | None:
        """An attached websocket with no request in flight, or None: HTTP. Asterisk serves a
        websocket's requests one after the other, and a command for a busy channel can keep
        one waiting for seconds: one request at a time per websocket, like an HTTP/1.1
        connection, so a slow request never holds up the others."""
        for transport in self.transports:
            if not transport.closed and not transport.pending:
                return transport
        return None

    async def aclose(self) -> None:
        await self.http.aclose()

    # ---------------------------------------------------------------- spec
    async def load_spec(self) -> int:
        """Read the operation table from the running Asterisk; returns the operation count."""
        index = await self._get_json("/api-docs/resources.json")
        operations: dict[tuple[str, str], Operation] = {}
        for api in index.get("apis", []):
            name = api["path"].split("/")[-1].replace(".{format}", "")
            for op in parse_spec(await self._get_json(f"/api-docs/{name}.json")):
                operations[(op.resource, op.nickname)] = op
        self.operations = operations
        return len(operations)

    def load_spec_dir(self, directory: Path) -> int:
        """Read the operation table from Swagger files on disk (rest-api/*.json)."""
        for path in sorted(directory.glob("*.json")):
            if path.name == "resources.json":
                continue
            for op in parse_spec(json.loads(path.read_text())):
                self.operations[(op.resource, op.nickname)] = op
        return len(self.operations)

    async def _get_json(self, path: str) -> dict:
        response = await self.http.get(path)
        if response.status_code >= 400:
            raise AriError(response.status_code, response.text[:200], method="GET", path=path)
        return response.json()

    # ---------------------------------------------------------------- calls
    def __getattr__(self, resource: str) -> _Resource:
        if resource.startswith("_"):
            raise AttributeError(resource)
        return _Resource(self, resource)

    async def call(self, resource_name: str, nickname: str, /, **kwargs: Any) -> Any:
        """Invoke one ARI operation; returns the decoded JSON (None for 204)."""
        op = self.operations.get((resource_name, nickname))
        if op is None:
            raise TypeError(f"no ARI operation {resource_name}.{nickname} (spec loaded: {bool(self.operations)})")
        path, query, body = op.request_parts(kwargs)
        # HTTP for a file (Asterisk sends none on a websocket) and for a path with an escaped
        # character (Asterisk decodes the path of an HTTP request, not of a websocket one)
        transport = self._transport() if not op.path.endswith("/file") and "%" not in path else None
        if transport is not None:
            status, text = await transport.request(op.method, path, query, body, self.timeout)
            if status >= 400:
                raise AriError(status, _ws_message(text), method=op.method, path=path)
            return json.loads(text) if text else None
        response = await self.http.request(op.method, path, params=query, json=body)
        if response.status_code >= 400:
            raise AriError(response.status_code, _message(response), method=op.method, path=path)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


def _ws_message(text: str | None) -> str:
    try:
        return str(json.loads(text).get("message", text))[:300] if text else ""
    except (ValueError, AttributeError):
        return (text or "")[:300]


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))[:300]
    except ValueError:
        return response.text[:300]
