"""Run the real ASGI app under uvicorn inside the test's event loop, on a free port."""
from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
import websockets

from api.app import create_app
from core.resources import Resources


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def live_server(resources: Resources) -> AsyncIterator[str]:
    """Serve create_app(resources) on 127.0.0.1; yields the base URL; stops the server on exit."""
    port = free_port()
    config = uvicorn.Config(create_app(resources=resources), host="127.0.0.1", port=port, log_config=None,
                            lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)  # polling uvicorn's started flag, bounded by the timeout
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def close_code(ws, timeout: float = 5) -> int:
    """Read a websocket until the server closes it (bounded); the close code it sent."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    return closed.value.rcvd.code
