"""The websocket routes: /ws/desktop (agents' own events) and /ws/wallboard (live figures)."""
from __future__ import annotations

from fastapi import APIRouter, WebSocket

from access.permissions import Permission
from access.principal import Principal
from realtime import gateway
from realtime.messages import WALLBOARD_PREFIXES, BusEvent

router = APIRouter()


def desktop_wants(principal: Principal, event: BusEvent) -> bool:
    """Desktops get what is addressed to the person or their role (regional events: within
    their organisation scope, R-31)."""
    return event.audience.includes(user_id=principal.user_id, role=principal.role, scope=principal.scope)


def wallboard_wants(principal: Principal, event: BusEvent) -> bool:
    """Wallboards get aggregate figures and alarms, never events that name a caller."""
    return event.type.startswith(WALLBOARD_PREFIXES)


@router.websocket("/ws/desktop")
async def desktop_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, wants=desktop_wants,
                        allowed=lambda p: True, ping_seconds=resources.settings.ws_ping_seconds)


@router.websocket("/ws/wallboard")
async def wallboard_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, wants=wallboard_wants,
                        allowed=lambda p: p.can(Permission.STATS_READ), ping_seconds=resources.settings.ws_ping_seconds)
