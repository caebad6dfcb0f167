"""The seat side of ending a person's access (accounts.revocation.SeatAccess): the ACD signs the
seat out, the PBX gets a new SIP secret for it (pbx.seat_secrets). Built by the composition root."""
from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from acd import states
from acd.events import AcdNotifier, AgentStateChanged
from acd.store import AcdStore
from events.bus import EventBus
from pbx import seat_secrets
from pbx.events import PbxNotifier, SeatSecretsChanged

LOGOUT_REASON = "账号变更，已签出 (account changed)"


class SeatAccessControl:
    def __init__(self, store: AcdStore, bus: EventBus) -> None:
        self.store, self.acd_events, self.pbx_events = store, AcdNotifier(bus), PbxNotifier(bus)

    async def rotate_sip_secret(self, session: AsyncSession, extension: str) -> None:
        await seat_secrets.rotate(session, extension)

    async def sign_out(self, user_id: int) -> None:
        """Signed out of the ACD, and the seat's desktop told; raised when Redis is away (retried)."""
        try:
            agent = await self.store.request_state(user_id, states.LOGGED_OUT, LOGOUT_REASON, time.time())
        except KeyError:  # never signed in to the ACD: nothing to log out
            return
        await self.acd_events.agent_state_changed(AgentStateChanged.of(agent))

    async def announce_sip_secret(self, extension: str) -> None:
        await self.pbx_events.seat_secrets_changed(SeatSecretsChanged(extension=extension))
