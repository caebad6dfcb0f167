"""The desktop's websocket route: /ws/desktop (agents' own events). The wallboard's: stats.pages."""
from __future__ import annotations

from fastapi import APIRouter, WebSocket

from access.principal import Principal
from events.envelope import BusEvent
from realtime import gateway

router = APIRouter()


def desktop_view(principal: Principal, event: BusEvent) -> BusEvent | None:
    """Desktops get what is addressed to the person, their role (regional events: within
    their organisation scope, R-31) or their organisation unit."""
    return event if event.audience.includes(user_id=principal.user_id, role=principal.role,
                                            scope=principal.scope, unit_id=principal.org_unit_id) else None


@router.websocket("/ws/desktop")
async def desktop_socket(ws: WebSocket) -> None:
    resources = ws.app.state.resources
    await gateway.serve(ws, resources=resources, hub=ws.app.state.hub, view=desktop_view,
                        allowed=lambda p: True, ping_seconds=resources.settings.http.ws_ping_seconds)
