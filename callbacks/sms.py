"""SMS gateways behind one interface: Kannel's HTTP `sendsms` (Debian's kannel: bearerbox +
smsbox), or a provider's HTTP API. Replies come back over HTTP to
`POST /api/v1/callbacks/sms/inbound` (Kannel: an sms-service whose get-url points there).

Sending is rate-limited centre-wide (HOTLINE_SMS_PER_MINUTE, a Redis counter per minute) and the
caller (callbacks.service) sends only inside the calling window."""
from __future__ import annotations

import logging
import time
from typing import Protocol

import httpx
from redis.asyncio import Redis

from core.settings import Settings

log = logging.getLogger(__name__)
TIMEOUT = 10.0


class SmsError(Exception):
    """The gateway refused or could not be reached (the survey is tried again next pass)."""


class SmsGateway(Protocol):
    async def send(self, to: str, text: str) -> str: ...  # the gateway's answer (an id or status line)


class KannelGateway:
    """Kannel smsbox's sendsms interface (HTTP GET; 202 "0: Accepted for delivery")."""

    def __init__(self, url: str, user: str, password: str, sender: str) -> None:
        self.url, self.user, self.password, self.sender = url, user, password, sender

    async def send(self, to: str, text: str) -> str:
        params = {"username": self.user, "password": self.password, "to": to, "from": self.sender,
                  "text": text, "charset": "UTF-8", "coding": "2"}  # coding 2: UCS-2 (Chinese text)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.get(self.url, params=params)
        except httpx.HTTPError as exc:
            raise SmsError(f"kannel unreachable: {exc!r}") from exc
        if response.status_code not in (200, 202):
            raise SmsError(f"kannel refused: {response.status_code} {response.text[:200]}")
        return response.text.strip()[:200]


class ProviderGateway:
    """A provider's HTTP API: POST JSON {"to", "text", "sender"} with a bearer token; 2xx = sent."""

    def __init__(self, url: str, token: str, sender: str) -> None:
        self.url, self.token, self.sender = url, token, sender

    async def send(self, to: str, text: str) -> str:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.post(self.url, json={"to": to, "text": text, "sender": self.sender},
                                           headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise SmsError(f"SMS provider unreachable: {exc!r}") from exc
        if response.status_code >= 300:
            raise SmsError(f"SMS provider refused: {response.status_code} {response.text[:200]}")
        return response.text.strip()[:200]


def gateway_for(settings: Settings) -> SmsGateway | None:
    """The configured gateway (HOTLINE_SMS_GATEWAY), None when SMS is not set up."""
    s = settings.callbacks
    if s.sms_gateway == "kannel":
        password = s.sms_kannel_password.get_secret_value() if s.sms_kannel_password else ""
        return KannelGateway(s.sms_kannel_url, s.sms_kannel_user, password, s.sms_sender)
    if s.sms_gateway == "provider":
        token = s.sms_provider_token.get_secret_value() if s.sms_provider_token else ""
        return ProviderGateway(s.sms_provider_url, token, s.sms_sender)
    return None


async def take_slot(redis: Redis, per_minute: int) -> bool:
    """One SMS of this minute's budget (centre-wide); False when the budget is spent."""
    key = f"hotline:sms:sent:{int(time.time() // 60)}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ = await pipe.execute()
    return int(count) <= per_minute


def survey_text(ticket_number: str) -> str:
    return (f"【12345热线回访】您反映的工单{ticket_number}已办结。请回复数字评价：1满意，2基本满意，3不满意；"
            "也可回复三位数字依次评价办理时效、解决情况、满意度。")
