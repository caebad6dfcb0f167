"""The thin ARI client speaks exactly the Swagger of the Asterisk it talks to: operations
and parameters come from the spec, a misspelt parameter is a TypeError before any request."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from ivr.ari import AriClient, AriError, parse_spec

SPEC = {
    "resourcePath": "/api-docs/channels.{format}",
    "apis": [
        {"path": "/channels/{channelId}/play", "operations": [{
            "httpMethod": "POST", "nickname": "play", "parameters": [
                {"name": "channelId", "paramType": "path", "required": True},
                {"name": "media", "paramType": "query", "required": True, "allowMultiple": True},
                {"name": "playbackId", "paramType": "query", "required": False}]}]},
        {"path": "/channels", "operations": [{
            "httpMethod": "POST", "nickname": "originate", "parameters": [
                {"name": "endpoint", "paramType": "query", "required": True},
                {"name": "variables", "paramType": "body", "required": False}]}]},
        {"path": "/channels/{channelId}", "operations": [{
            "httpMethod": "DELETE", "nickname": "hangup", "parameters": [
                {"name": "channelId", "paramType": "path", "required": True}]}]},
    ],
}


def client_with(handler) -> AriClient:
    ari = AriClient("http://ari.test/ari", "u", "p")
    ari.http = httpx.AsyncClient(base_url="http://ari.test/ari", transport=httpx.MockTransport(handler))
    for op in parse_spec(SPEC):
        ari.operations[(op.resource, op.nickname)] = op
    return ari


async def test_request_built_from_the_spec():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "pb1"})

    ari = client_with(handler)
    result = await ari.channels.play(channelId="a b/1", media=["sound:x", "sound:y"], playbackId="pb1")
    assert result == {"id": "pb1"}
    request = seen[0]
    assert request.method == "POST" and request.url.raw_path.startswith(b"/ari/channels/a%20b%2F1/play?")
    assert request.url.params["media"] == "sound:x,sound:y"
    await ari.channels.originate(endpoint="PJSIP/1001", variables={"X": "1"})
    assert json.loads(seen[1].content) == {"variables": {"X": "1"}}


async def test_unknown_or_missing_parameters_fail_before_any_request():
    ari = client_with(lambda r: httpx.Response(500))
    with pytest.raises(TypeError, match="unknown"):
        await ari.channels.play(channelId="a", media="sound:x", medium="typo")
    with pytest.raises(TypeError, match="missing"):
        await ari.channels.play(channelId="a")
    with pytest.raises(TypeError, match="no ARI operation"):
        await ari.channels.teleport(channelId="a")


async def test_errors_carry_the_status():
    ari = client_with(lambda r: httpx.Response(404, json={"message": "Channel not found"}))
    with pytest.raises(AriError) as info:
        await ari.channels.hangup(channelId="gone")
    assert info.value.status == 404 and "Channel not found" in str(info.value)
    assert await client_with(lambda r: httpx.Response(204)).channels.hangup(channelId="x") is None


def test_the_shipped_specs_parse(asterisk):
    """The Swagger files of the Asterisk the platform runs (its root, or the installed one)."""
    from pbx import layout

    spec_dir = (layout(asterisk.settings).root or Path("/")) / "usr/share/asterisk/rest-api"
    assert spec_dir.is_dir(), f"no rest-api specs in {spec_dir}"
    ari = AriClient("http://x/ari", "u", "p")
    assert ari.load_spec_dir(spec_dir) > 90
    for needed in (("channels", "originate"), ("bridges", "record"), ("channels", "startMoh"),
                   ("recordings", "stop"), ("endpoints", "get"), ("channels", "rtpstatistics")):
        assert needed in ari.operations


async def test_a_request_over_the_websocket_is_one_restrequest_frame():
    """The frame Asterisk 22 reads (res/ari/ari_websocket_requests.c): method, uri relative to
    /ari, query_strings, the body as JSON text; its RESTResponse answers the call."""
    from ivr.ari_ws import WsTransport

    sent: list[dict] = []
    transport: WsTransport

    async def send(text: str) -> None:
        frame = json.loads(text)
        sent.append(frame)
        status = 201 if frame["uri"].endswith("/play") else 204
        body = json.dumps({"id": "pb1"}) if status == 201 else None
        asyncio.get_running_loop().call_soon(transport.resolve, {
            "type": "RESTResponse", "request_id": frame["request_id"], "status_code": status,
            "reason_phrase": "x", "uri": frame["uri"], **({"message_body": body} if body else {})})

    transport = WsTransport(send, "test")
    over_http = []
    ari = client_with(lambda r: over_http.append(r.url.raw_path) or httpx.Response(204))
    ari.attach(transport)
    assert await ari.channels.play(channelId="1733.45", media=["sound:x", "sound:y"]) == {"id": "pb1"}
    assert await ari.channels.originate(endpoint="PJSIP/1001", variables={"X": "1"}) is None
    assert over_http == []
    await ari.channels.hangup(channelId="a b")  # an escaped path: HTTP (Asterisk decodes only those)
    assert over_http == [b"/ari/channels/a%20b"]
    play, originate = sent
    assert play["type"] == "RESTRequest" and play["method"] == "POST" and play["uri"] == "channels/1733.45/play"
    assert play["query_strings"] == [{"name": "media", "value": "sound:x,sound:y"}] and "message_body" not in play
    assert originate["content_type"] == "application/json"
    assert json.loads(originate["message_body"]) == {"variables": {"X": "1"}}
    assert play["request_id"] != originate["request_id"] and not transport.pending


async def test_a_closed_websocket_fails_its_waiting_request():
    from ivr.ari_ws import AriSocketClosed, WsTransport

    async def send(text: str) -> None:
        asyncio.get_running_loop().call_soon(transport.close, "gone")

    transport = WsTransport(send, "test")
    ari = client_with(lambda r: httpx.Response(204))
    ari.attach(transport)
    with pytest.raises(AriSocketClosed):
        await ari.channels.hangup(channelId="x")
    assert await ari.channels.hangup(channelId="x") is None  # the closed socket is skipped: HTTP


async def test_an_object_body_parameter_is_the_whole_body():
    """Asterisk reads an `object` body parameter (applications' eventFilter) as the body itself;
    `containers` ones (originate's variables) by name."""
    spec = {"resourcePath": "/api-docs/applications.{format}", "apis": [
        {"path": "/applications/{applicationName}/eventFilter", "operations": [{
            "httpMethod": "PUT", "nickname": "filter", "parameters": [
                {"name": "applicationName", "paramType": "path", "required": True, "dataType": "string"},
                {"name": "filter", "paramType": "body", "required": False, "dataType": "object"}]}]}]}
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    ari = client_with(handler)
    for op in parse_spec(spec):
        ari.operations[(op.resource, op.nickname)] = op
    await ari.applications.filter(applicationName="app", filter={"allowed": [{"type": "EndpointStateChange"}]})
    assert json.loads(seen[0].content) == {"allowed": [{"type": "EndpointStateChange"}]}
