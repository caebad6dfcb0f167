"""Re-sync after every (re)connect of a Stasis application: make the worker's picture match
Asterisk's. Calls whose caller is still there are resumed where they were (bridged calls
keep their bridge and recording; waiting callers go back to their queue with their original
entry time); calls whose caller left while nobody watched are closed properly; channels of
calls that are over are hung up."""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select

from calls.disposition import final_disposition
from calls.repository import CallRecords
from core.timeutil import utcnow
from ivr import lifecycle
from ivr.call_types import Leg, Resync, parse_leg_id
from ivr.lifecycle import Phase
from ivr.ports import CallPorts
from ivr.session import CallSession
from models import Call

log = logging.getLogger(__name__)
OUTBOUND_PREFIXES = ("sv-", "ob-")  # channels the platform dialled itself (ivr.survey, ivr.outbound)


class Resyncer:
    """The worker's re-sync; `start_inbound(app, channel)` starts a new call (the worker's)."""

    def __init__(self, ports: CallPorts, *, records: CallRecords, sessionmaker, worker_id: str,
                 start_inbound: Callable[[str, dict], Awaitable[object]]) -> None:
        self.ports, self.records, self.sessionmaker = ports, records, sessionmaker
        self.calls, self.store, self.registry = ports.telephony, ports.acd, ports.registry
        self.worker_id, self.start_inbound = worker_id, start_inbound

    async def reconcile(self, app: str) -> tuple[dict, dict]:
        """Make our picture of app's calls match Asterisk's; its channels and bridges."""
        channels, bridges = await self.calls.channels(), await self.calls.bridges()
        for session in [s for s in self.registry.calls.values() if s.app == app]:
            session.post(Resync(channels, bridges))
        live = set(self.registry.calls)
        for call in await self.records.open_calls(app):
            if call.id in live or self.registry.knows_channel(call.channel_id):
                continue
            if call.direction == "outbound":  # a survey or click-to-call whose worker is gone: ended
                await self.end_outbound(call, channels)
            elif call.channel_id in channels:
                await self.resume(app, call, channels, bridges)
            else:
                await self.finalize_dead(call, channels)
        await self.claim_strays(app, channels)
        return channels, bridges

    async def claim_strays(self, app: str, channels: dict[str, dict]) -> None:
        """Channels in our app that no call knows: callers whose StasisStart we missed get a
        call; legs of calls that are over are hung up."""
        known = self.registry.channel_ids()
        for channel_id, channel in channels.items():
            dialplan = channel.get("dialplan", {})
            if dialplan.get("app_name") != "Stasis" or dialplan.get("app_data", "").split(",")[0] != app:
                continue
            if channel_id in known:
                continue
            if parse_leg_id(channel_id) is not None or channel_id.startswith(OUTBOUND_PREFIXES):
                await self.calls.hangup(channel_id)
            elif channel.get("state") == "Up" and not await self._has_call(channel_id):
                await self.start_inbound(app, channel)

    async def end_outbound(self, call: Call, channels: dict) -> None:
        """The platform's own call (ivr.survey, ivr.outbound) lost its actor: hang it up and close
        it; a survey left `calling` counts as a failed try at the next scheduler pass."""
        legs = call.channel_id.rsplit("-", 1)[0] + "-"  # ob-<token>-agent and ob-<token>-citizen
        for channel_id in [c for c in channels if c == call.channel_id or (legs.startswith("ob-") and c.startswith(legs))]:
            await self.calls.hangup(channel_id)
        if call.bridge_id:
            await self.calls.destroy(call.bridge_id)
        await self.records.update(call.id, phase=Phase.ENDED.value, ended_at=utcnow(), disposition="outbound",
                                  ended_by="system", event="ended", detail={"disposition": "outbound", "resynced": True})

    async def _has_call(self, channel_id: str) -> bool:
        async with self.sessionmaker() as session:
            return await session.scalar(select(Call.id).where(Call.channel_id == channel_id)) is not None

    async def resume(self, app: str, call: Call, channels: dict, bridges: dict) -> None:
        """Take over a call a dead worker (or our previous run) left in Asterisk."""
        session = CallSession(self.ports, app, call_id=call.id, caller=call.channel_id,
                              caller_number=call.caller_number, phase=Phase(call.phase),
                              started_at=call.started_at, region_code=call.region_code)
        session.queue, session.urgent = call.queue, call.urgent
        session.entered_at = call.entered_queue_at.timestamp() if call.entered_queue_at else None
        session.answered, session.emergency = call.answered_at is not None, call.emergency_service
        session.answered_once = session.answered
        session.recording_name = call.recording_name
        legs = await self._legs_of(call.id, channels)
        bridge = bridges.get(call.bridge_id or "")
        if call.phase == Phase.BRIDGED and bridge is not None:
            self.rejoin_bridge(session, call, bridge, legs)
        else:
            await self.withdraw_offers(call.id, legs)
            await self.requeue_resumed(session, call)
        self.registry.add_call(session)
        await self.records.event(call.id, "resumed", detail={"app": app, "worker": self.worker_id,
                                                             "phase": call.phase})
        session.start(fresh=False)
        log.warning("call resumed", extra={"call_id": call.id, "phase": call.phase, "app": app})

    def rejoin_bridge(self, session: CallSession, call: Call, bridge: dict, legs: list[Leg]) -> None:
        """A bridged call goes on in its bridge, with its recording and the legs still in it."""
        session.bridge_id = call.bridge_id
        session.caller_bridged = call.channel_id in bridge.get("channels", [])
        if call.recording_name:
            session.recording_done = self.ports.recordings.finished_waiter(call.recording_name)
        self.registry.add_bridge(call.bridge_id, session)
        in_bridge = set(bridge.get("channels", []))
        for leg in legs:
            leg.answered = leg.channel_id in in_bridge
            session.legs.add(leg)
            if leg.answered and leg.kind in ("agent", "xfer") and session.agent is None:
                session.agent = leg

    async def withdraw_offers(self, call_id: int, legs: list[Leg]) -> None:
        """Offers in flight when the worker died: hang up their legs, give the agents back."""
        now = time.time()
        for leg in legs:
            await self.calls.hangup(leg.channel_id)
        for agent in await self.store.agents():
            if agent.call_id == call_id and agent.state.state == "ringing":
                await self.store.offer_failed(call_id=call_id, user_id=agent.user_id, now=now, outcome="cancelled")
                await self.ports.publisher.agent_changed(agent.user_id)

    async def requeue_resumed(self, session: CallSession, call: Call) -> None:
        """A call that was waiting (or ringing) goes back into its queue at its place. The ACD's
        entry is the truth: the record may lag behind it (records are written after the fact)."""
        acd = await self.store.get_call(call.id)
        if acd is None and call.phase not in ("queued", "ringing", "bridged"):
            return  # still in the voice menu: it starts again
        await session.transition(lifecycle.Readmitted())
        if acd is not None:
            session.queue, session.urgent, session.entered_at = acd.queue, acd.urgent, acd.entered_at
        if session.entered_at is None:
            session.entered_at = time.time()
        await self.store.enqueue(session.queueing.acd_entry())
        if call.entered_queue_at is None or call.phase == "ivr":
            session.record(phase=Phase.QUEUED.value, queue=session.queue,
                           entered_queue_at=datetime.fromtimestamp(session.entered_at, UTC))

    async def _legs_of(self, call_id: int, channels: dict) -> list[Leg]:
        legs = []
        for channel_id in channels:
            parsed = parse_leg_id(channel_id)
            if parsed and parsed[0] == call_id:
                _, kind, target = parsed
                legs.append(Leg(channel_id, kind, target, await self.ports.seats.user_for_extension(target)))
        return legs

    async def finalize_dead(self, call: Call, channels: dict) -> None:
        """A call whose caller left while no worker watched it: close it properly."""
        now = time.time()
        for leg in await self._legs_of(call.id, channels):
            await self.calls.hangup(leg.channel_id)
        for agent in await self.store.agents():
            if agent.call_id == call.id:
                if agent.state.state == "ringing" and agent.user_id != call.agent_id:
                    await self.store.offer_failed(call_id=call.id, user_id=agent.user_id, now=now, outcome="cancelled")
                else:
                    await self.store.call_ended(agent.user_id, call.id, now, self.ports.policy.wrap_up_seconds)
                await self.ports.publisher.agent_changed(agent.user_id)
        await self.store.remove_call(call.id)
        recording_id = None
        if call.bridge_id:
            await self.calls.destroy(call.bridge_id)
        if call.recording_name:
            recording_id = await self.ports.recordings.store(call.id, call.recording_name, call.answered_at)
        disposition = final_disposition(phase=call.phase, answered=call.answered_at is not None,
                                        emergency=bool(call.emergency_service))
        await self.records.update(call.id, phase=Phase.ENDED.value, ended_at=utcnow(), disposition=disposition,
                                  ended_by="system", recording_id=recording_id, event="ended",
                                  detail={"disposition": disposition, "resynced": True})
        self.ports.publisher.queue_stats_changed()
        log.warning("call closed after re-sync", extra={"call_id": call.id, "disposition": disposition})
