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


async def test_an_applications_event_filter_reaches_asterisk(asterisk, ari):
    """The event filter is the request's whole body (an `object` body parameter), not keyed
    by its name like originate's variables: Asterisk then reports it on the application. The
    worker's seats application lets through EndpointStateChange alone (ivr.seats)."""
    app_name = f"filtered-{secrets.token_hex(3)}"
    conn = AppConnection(ari, asterisk.ws_url, f"{asterisk.user}:{asterisk.password}", app_name,
                         on_event=_nothing, on_connected=_nothing)
    conn.start()
    await asyncio.wait_for(conn.connected.wait(), 10)
    requests = await connected(ari, asterisk)  # the request travels on another app's websocket
    try:
        await ari.applications.filter(applicationName=conn.app, filter={"allowed": [{"type": "EndpointStateChange"}]})
        app = await ari.applications.get(applicationName=conn.app)
        assert app["events_allowed"] == [{"type": "EndpointStateChange"}] and app["events_disallowed"] == []
        assert requests.transport.sent == 2
    finally:
        await requests.stop()
        await conn.stop()
