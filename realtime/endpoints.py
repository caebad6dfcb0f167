"""The websocket routes: /ws/desktop (agents' own events) and /ws/wallboard (live figures)."""
from __future__ import annotations

from fastapi import APIRouter, WebSocket

from access.permissions import Permission
from access.principal import Principal
from realtime import gateway
from realtime.messages import WALLBOARD_PREFIXES, BusEvent
from stats.service import visible_seats

SEATS_EVENT = "stats.agents"  # every seat's state, not-ready reason and figures (the stats worker's push)

router = APIRouter()


def desktop_view(principal: Principal, event: BusEvent) -> BusEvent | None:
    """Desktops get what is addressed to the person or their role (regional events: within
    their organisation scope, R-31)."""
    return event if event.audience.includes(user_id=principal.user_id, role=principal.role,
                                            scope=principal.scope) else None


def wallboard_view(principal: Principal, event: BusEvent) -> BusEvent | None:
    """Wallboards get aggregate figures and alarms, never events that name a caller; the seats' push
    only as far as visible_seats allows (none for units, a city centre its region's seats)."""
    if not event.type.startswith(WALLBOARD_PREFIXES):
        return None
    if event.type != SEATS_EVENT or (principal.scope.everything and principal.can(Permission.SEAT_STATS_READ)):
        return event  # shared: serialised once for every socket
    if not principal.can(Permission.SEAT_STATS_READ):
        return None
    # a new event, not a copy: a copy would carry the province-wide frame another socket cached
    return BusEvent(type=event.type, at=event.at, audience=event.audience,
                    data={**event.data, "agents": visible_seats(principal, event.data.get("agents", []))})


@router.websocket("/ws/desktop")
async def desktop_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, view=desktop_view,
                        allowed=lambda p: True, ping_seconds=resources.settings.http.ws_ping_seconds)


@router.websocket("/ws/wallboard")
async def wallboard_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, view=wallboard_view,
                        allowed=lambda p: p.can(Permission.STATS_READ), ping_seconds=resources.settings.http.ws_ping_seconds)
