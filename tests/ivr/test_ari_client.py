"""The thin ARI client speaks exactly the Swagger of the Asterisk it talks to: operations
and parameters come from the spec, a misspelt parameter is a TypeError before any request."""
from __future__ import annotations

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
