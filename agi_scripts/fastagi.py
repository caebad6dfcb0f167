"""A small FastAGI server (asyncio) for the dialplan's `AGI(agi://host:port/<script>)`.

Served by every ARI worker on the same port (SO_REUSEPORT: the kernel spreads the calls
over the live workers, a dead one simply stops receiving them). Each request is one
handler call with a hard time limit; whatever happens, the connection is closed and the
dialplan goes on (the caller is never left in silence, R-26 design rule). If no worker
listens at all, Asterisk's AGI() fails at once and the dialplan goes on as well.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
HANDLER_TIMEOUT = 2.0
READ_TIMEOUT = 2.0

Handler = Callable[["AgiRequest"], Awaitable[None]]


class AgiError(Exception):
    pass


class AgiRequest:
    """One AGI conversation: the variables Asterisk sent, and commands back to it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, env: dict[str, str]) -> None:
        self.reader, self.writer, self.env = reader, writer, env

    @property
    def script(self) -> str:
        return self.env.get("agi_network_script", "").split("?")[0].strip("/")

    async def command(self, line: str) -> str:
        """Send one AGI command; returns the result part of Asterisk's `200 result=...` answer."""
        self.writer.write(line.encode() + b"\n")
        await self.writer.drain()
        answer = (await asyncio.wait_for(self.reader.readline(), READ_TIMEOUT)).decode().strip()
        if not answer.startswith("200"):
            raise AgiError(f"{line!r}: {answer!r}")
        return answer.partition("result=")[2]

    async def set_variable(self, name: str, value: str) -> None:
        safe = value.replace("\\", "").replace('"', "")
        await self.command(f'SET VARIABLE {name} "{safe}"')


async def read_environment(reader: asyncio.StreamReader) -> dict[str, str]:
    env: dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(reader.readline(), READ_TIMEOUT)).decode(errors="replace")
        if not line.strip():
            return env
        key, _, value = line.partition(":")
        env[key.strip()] = value.strip()


class FastAgiServer:
    def __init__(self, host: str, port: int, handlers: dict[str, Handler]) -> None:
        self.host, self.port, self.handlers = host, port, handlers
        self.server: asyncio.Server | None = None
        self.served = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.port, reuse_port=True)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            env = await read_environment(reader)
            request = AgiRequest(reader, writer, env)
            handler = self.handlers.get(request.script.removesuffix(".py"))
            if handler is None:
                log.warning("unknown AGI script", extra={"script": request.script})
                return
            await asyncio.wait_for(handler(request), HANDLER_TIMEOUT)
            self.served += 1
        except Exception:
            log.warning("AGI request failed; the dialplan goes on", exc_info=True)
        finally:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()  # the peer may have gone first
