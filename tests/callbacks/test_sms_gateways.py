"""The SMS adapters' HTTP side against a local HTTP server standing in for a provider (a fake:
no provider can be reached from here; Kannel itself runs for real in test_sms_survey.py), and the
centre-wide rate limit in Redis."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr

from callbacks import sms


class FakeProvider(BaseHTTPRequestHandler):
    received: list[dict] = []  # noqa: RUF012 (one list for the test's server)
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append({"body": body, "auth": self.headers.get("Authorization")})
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b'{"id": "m-1"}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeProvider.received, FakeProvider.status = [], 200
    yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()
    thread.join(5)


async def test_the_provider_gateway_posts_json_with_its_token(provider, settings):
    gateway = sms.gateway_for(settings.replace(sms_gateway="provider", sms_provider_url=provider,
                                               sms_provider_token=SecretStr("tok-123")))
    assert isinstance(gateway, sms.ProviderGateway)
    answer = await gateway.send("13800001111", sms.survey_text("5101-20261201-000007"))
    assert answer == '{"id": "m-1"}'
    sent = FakeProvider.received[0]
    assert sent["auth"] == "Bearer tok-123" and sent["body"]["to"] == "13800001111"
    assert "5101-20261201-000007" in sent["body"]["text"] and sent["body"]["sender"] == "12345"
    FakeProvider.status = 500
    with pytest.raises(sms.SmsError):
        await gateway.send("13800001111", "x")


async def test_no_gateway_unless_configured_and_unreachable_is_an_sms_error(settings):
    assert sms.gateway_for(settings) is None
    kannel = sms.gateway_for(settings.replace(sms_gateway="kannel", sms_kannel_url="http://127.0.0.1:9/cgi-bin/sendsms"))
    with pytest.raises(sms.SmsError):
        await kannel.send("13800001111", "x")


async def test_the_rate_limit_is_per_minute_for_the_centre(redis):
    for _ in range(2):  # a minute boundary inside the five takes starts a new budget: take again
        minute = int(time.time() // 60)
        await redis.flushdb()
        taken = [await sms.take_slot(redis, 3) for _ in range(5)]
        if int(time.time() // 60) == minute:
            break
    assert taken == [True, True, True, False, False]
