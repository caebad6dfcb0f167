"""Bodies of the desktop API (softphone account, expert seats, screen pop)."""
from __future__ import annotations

from pydantic import BaseModel


class SoftphoneOut(BaseModel):
    extension: str
    endpoint: str  # the PJSIP endpoint, webrtc<ext>
    display_name: str
    ws_url: str
    uri: str
    authorization_user: str
    password: str
    register_expires: int
    ice_servers: list[dict]  # RTCPeerConnection iceServers; empty on loopback
    wrap_up_seconds: int


class ExpertSeatOut(BaseModel):
    user_id: int
    display_name: str
    extension: str
    unit_id: int
    unit_name: str
    domains: list[str]
    state: str | None = None  # live ACD state where known (ready, busy, …)
