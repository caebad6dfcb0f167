"""The seats a call can ring: who sits at an extension, and whether its browser softphone or
desk phone is registered (from the endpoint states Asterisk pushes to the worker's seats application)."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from ivr.services import CallServices
from models import OrgUnit, User
from pbx.render import SEAT_EXTENSIONS


class SeatDirectory:
    def __init__(self, sessionmaker, calls: CallServices) -> None:
        self.sessionmaker, self.calls = sessionmaker, calls
        self.endpoint_states: dict[str, str] = {}  # PJSIP endpoint -> online/offline
        self._user_cache: dict[int, dict] = {}

    def endpoint_changed(self, endpoint: dict) -> None:
        self.endpoint_states[endpoint.get("resource", "")] = endpoint.get("state", "")

    async def watch_endpoints(self, ari, app: str) -> None:
        """Take the seats' registration states and subscribe app (an application for this
        alone: ivr.worker.Worker.watch_seats) to their changes. Asterisk is asked to send it
        nothing else: the endpoints' channel events are dropped before the websocket."""
        await self.calls.only_events(app, {"EndpointStateChange"})
        self.endpoint_states = {e["resource"]: e["state"] for e in await ari.endpoints.listByTech(tech="PJSIP")}
        for ext in SEAT_EXTENSIONS:
            for resource in (ext, f"webrtc{ext}"):
                await ari.applications.subscribe(applicationName=app, eventSource=f"endpoint:PJSIP/{resource}")

    async def endpoint_for(self, extension: str) -> str | None:
        """The seat's browser softphone if registered, else its desk phone, else None."""
        if not extension:
            return None
        states = self.endpoint_states
        browser_state, phone_state = states.get(f"webrtc{extension}"), states.get(extension)
        if browser_state is not None and phone_state is not None:  # the ring path: no task, no request
            browser, phone = browser_state == "online", phone_state == "online"
        else:
            browser, phone = await asyncio.gather(self.endpoint_online(f"webrtc{extension}"),
                                                  self.endpoint_online(extension))
        if browser:
            return f"PJSIP/webrtc{extension}"
        return f"PJSIP/{extension}" if phone else None

    async def endpoint_online(self, resource: str) -> bool:
        """From the endpoint states Asterisk pushes to our app (no request on the ring path);
        asked over ARI only for an endpoint we have no state of."""
        state = self.endpoint_states.get(resource)
        if state is None:
            return await self.calls.endpoint_online(resource)
        return state == "online"

    async def user_brief(self, user_id: int | None) -> dict:
        if user_id is None:
            return {}
        if user_id not in self._user_cache:
            async with self.sessionmaker() as session:
                row = (await session.execute(select(User.username, User.extension, OrgUnit.region_code)
                                             .join(OrgUnit, OrgUnit.id == User.org_unit_id)
                                             .where(User.id == user_id))).first()
                self._user_cache[user_id] = {"username": row.username, "extension": row.extension,
                                             "region_code": row.region_code} if row else {}
        return self._user_cache[user_id]

    async def user_for_extension(self, extension: str) -> int | None:
        if not extension.isdigit():
            return None
        async with self.sessionmaker() as session:
            return await session.scalar(select(User.id).where(User.extension == extension, User.active.is_(True)))
