"""ARI REST over the application's websocket (Asterisk 22 RESTRequest / RESTResponse), against
the real Asterisk: requests travel on the attached websocket, errors keep their status, a
second request while the socket is busy goes over HTTP, and a closed socket fails what waits
on it and hands the requests back to HTTP."""
from __future__ import annotations

import asyncio
import secrets

import pytest

from ivr.ari import AriClient, AriError
from ivr.connection import AppConnection

pytestmark = pytest.mark.timeout(120)


async def _nothing(*_args) -> None:
    return None


async def connected(ari: AriClient, asterisk) -> AppConnection:
    app = f"wsreq-{secrets.token_hex(3)}"
    conn = AppConnection(ari, asterisk.ws_url, f"{asterisk.user}:{asterisk.password}", app,
                         on_event=_nothing, on_connected=_nothing, carry_requests=True)
    conn.start()
    await asyncio.wait_for(conn.connected.wait(), 10)
    return conn


async def test_requests_travel_on_the_websocket(asterisk, ari):
    conn = await connected(ari, asterisk)
    try:
        transport = conn.transport
        assert transport is not None and ari.transports == [transport]
        info = await ari.asterisk.getInfo(only=["system"])
        assert "system" in info and "build" not in info  # a query parameter went along
        name = f"WSREQ_{secrets.token_hex(3).upper()}"
        assert await ari.asterisk.setGlobalVar(variable=name, value="lüge 1") is None  # 204: no body
        assert (await ari.asterisk.getGlobalVar(variable=name))["value"] == "lüge 1"
        with pytest.raises(AriError) as missing:
            await ari.channels.get(channelId="no-such-channel")
        assert missing.value.status == 404 and "not found" in missing.value.message.lower()
        assert transport.sent == 4 and not transport.pending
        apps = {a["name"] for a in await ari.applications.list()}
        assert conn.app in apps and transport.sent == 5
    finally:
        await conn.stop()


async def test_a_busy_socket_sends_the_next_request_over_http_and_a_closed_one_fails_its_waiters(asterisk, ari):
    conn = await connected(ari, asterisk)
    transport = conn.transport
    try:
        first = asyncio.create_task(ari.channels.list())
        await asyncio.sleep(0)  # the first request is now in flight on the websocket
        assert len(transport.pending) == 1
        await ari.asterisk.getInfo()  # meanwhile: HTTP
        assert transport.sent == 1
        assert isinstance(await first, list)
    finally:
        await conn.stop()
    assert transport.closed and ari.transports == []
    assert isinstance(await ari.channels.list(), list)  # HTTP again
    assert transport.sent == 1
