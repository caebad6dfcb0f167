"""The end of a call: what is left in Asterisk is torn down, the agents released, the call
taken out of the ACD, its recording filed and its record closed."""
from __future__ import annotations

import logging
import time

from calls.disposition import final_disposition
from calls.events import CallEnded
from core.masking import mask_phone
from core.retry import at_most, until_done
from core.timeutil import utcnow
from ivr import lifecycle
from ivr.call_context import CallContext

log = logging.getLogger(__name__)
RECORDING_ATTEMPT_TIMEOUT = 120.0  # copy and hash of a long recording


class Ending:
    def __init__(self, call: CallContext) -> None:
        self.call, self.ports = call, call.ports

    async def finish(self) -> None:
        """End the call. Asterisk is tidied best-effort (if it is away, so are the channels);
        what must happen — agents released, the call out of the ACD, the recording filed with
        its row, the record closed — is retried until done (R-01, R-17)."""
        call, ports = self.call, self.ports
        phase_at_end = call.phase  # the disposition says where the call was when it ended
        await call.transition(lifecycle.Ended())
        context = {"call_id": call.call_id}
        # a leg left over (logged) is hung up by the next re-sync
        await at_most(3, self.tear_down, what="tear the call down in Asterisk", context=context)
        now = time.time()
        await until_done(lambda: self.release_agents(now), what="release the agents", context=context)
        await until_done(lambda: ports.acd.remove_call(call.call_id), what="remove the call from the ACD",
                         context=context)
        # the released agents take the next callers now, not once the recording is filed and the
        # record closed (tens to hundreds of milliseconds later); failing that (logged), the
        # dispatchers look again at their next wake-up or tick
        await at_most(3, lambda: ports.acd.wake("agent released"), what="wake the dispatchers", context=context)
        recording_id = await self.file_recording(context)
        disposition = final_disposition(phase=phase_at_end, answered=call.answered,
                                        emergency=call.emergency is not None, transferred=call.transferred)
        ended = utcnow()
        await call.flush_records()
        closed = await until_done(lambda: ports.records.close(
            call.call_id, phase=lifecycle.Phase.ENDED.value, ended_at=ended, disposition=disposition,
            ended_by=call.ended_by, recording_id=recording_id,
            detail={"disposition": disposition, "ended_by": call.ended_by}),
            what="close the call record", context=context)
        await self.announce(closed, disposition, ended)
        log.info("call ended", extra={"call_id": call.call_id, "disposition": disposition})

    async def file_recording(self, context: dict) -> int | None:
        call, recordings = self.call, self.ports.recordings
        if not call.recording_name:
            return None
        await recordings.wait(call.recording_done, call.recording_name)
        seat = call.agent.user_id if call.agent else None
        return await until_done(lambda: recordings.store(call.call_id, call.recording_name, None, seats=(seat,)),
                                what="store the recording", attempt_timeout=RECORDING_ATTEMPT_TIMEOUT,
                                context=context)

    async def announce(self, closed, disposition: str, ended) -> None:
        call, publisher = self.call, self.ports.publisher
        await publisher.calls.call_ended(CallEnded(
            call_id=call.call_id, disposition=disposition, queue=closed.queue, agent_id=closed.agent_id,
            duration_seconds=round((ended - call.started_at).total_seconds(), 3),
            caller_masked=mask_phone(call.caller_number)),
            region_code=closed.region_code, seats=(closed.agent_id, call.agent.user_id if call.agent else None))
        publisher.queue_stats_changed()

    async def tear_down(self) -> None:
        call, telephony, registry = self.call, self.ports.telephony, self.ports.registry
        await call.monitor.end("call_ended")  # a supervisor's monitor ends with the call
        if not call.caller_gone:
            await telephony.hangup(call.caller)
        for leg in call.legs:
            if not leg.gone:
                await telephony.hangup(leg.channel_id)
        if call.recording_name:
            await telephony.stop_recording(call.recording_name)
        for bridge in (call.bridge_id, f"consult-{call.call_id}"):
            if bridge:
                await telephony.destroy(bridge)
                registry.drop_bridge(bridge)

    async def release_agents(self, now: float) -> None:
        """Every agent this call held: wrap-up after a conversation, ready again after an offer
        (each step a no-op when done already: safe to run again)."""
        call, acd = self.call, self.ports.acd
        for leg in call.legs:
            if leg.user_id is None:
                continue
            if leg.kind == "agent" and not leg.answered:
                await acd.offer_failed(call_id=call.call_id, user_id=leg.user_id, now=now, outcome="cancelled")
            elif leg.answered:
                await acd.call_ended(leg.user_id, call.call_id, now, self.ports.policy.wrap_up_seconds)
            else:
                await acd.release_seized(leg.user_id, call.call_id, now)
            await self.ports.publisher.agent_changed(leg.user_id)
