"""The browser softphone's SIP account: which endpoint, where to register, with what secret.

Pure (the seat's password is looked up by the caller, pbx.seat_secrets): the seat's WebRTC endpoint is `webrtc<ext>` (see
asterisk_conf/pjsip.conf.j2), registering over the PJSIP WebSocket transport that Asterisk's
HTTP server serves at /ws.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from core.errors import Conflict
from core.settings import Settings
from desktop.schemas import SoftphoneOut
from pbx.render import SEAT_EXTENSIONS

REGISTER_EXPIRES = 300  # seconds; JsSIP re-registers before it runs out


def sip_ws_url(settings: Settings) -> str:
    """HOTLINE_SIP_WS_URL, else Asterisk's own HTTP server (ws:// on loopback, development)."""
    return settings.telephony.sip_ws_url or f"ws://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ws"


def has_seat(extension: str | None) -> bool:
    """True when the extension is one of the seats Asterisk knows."""
    return bool(extension) and extension in SEAT_EXTENSIONS


def softphone_config(settings: Settings, *, extension: str | None, display_name: str,
                     password: str) -> SoftphoneOut:
    """The JsSIP configuration of a seat; Conflict when the account has no browser seat."""
    if not has_seat(extension):
        raise Conflict("此账号没有分配坐席分机，无法使用软电话 (no seat extension for this account)")
    ws_url = sip_ws_url(settings)
    domain = urlsplit(ws_url).hostname or settings.telephony.sip_host
    endpoint = f"webrtc{extension}"
    return SoftphoneOut(
        extension=extension, endpoint=endpoint, display_name=display_name, ws_url=ws_url,
        uri=f"sip:{endpoint}@{domain}", authorization_user=endpoint,
        password=password, register_expires=REGISTER_EXPIRES,
        ice_servers=[], wrap_up_seconds=settings.calls.wrap_up_seconds,
    )
