"""A real HTTP server that receives webhook callbacks (started and stopped by the tests)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class Receiver:
    """Records every POST (headers, raw body); answers `fail_first` of them with 500, or all when `fail_all`."""

    def __init__(self, *, fail_first: int = 0, fail_all: bool = False) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answered: list[int] = []
        self.fail_first, self.fail_all = fail_first, fail_all
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    failing = receiver.fail_all or len(receiver.answered) < receiver.fail_first
                    code = 500 if failing else 204
                    receiver.answered.append(code)
                    if not failing:
                        receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/callback"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def bodies(self) -> list[dict]:
        with self._lock:
            return [json.loads(body) for _, body in self.received]


async def wait_for(condition, *, timeout: float = 20.0, step: float = 0.05) -> None:
    """Wait (bounded) until condition() is true."""
    import asyncio

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
