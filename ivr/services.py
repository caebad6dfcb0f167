"""Call-control commands over ARI (the "services" of the wazo-calld split): each one is a
small, idempotent-minded operation; "already gone" answers (404, or 409/422 for a channel
that left Stasis) are not errors where the intent (hang up, stop, remove) is met anyway."""
from __future__ import annotations

import logging
from typing import Any

import httpx

from ivr.ari import AriClient, AriError

log = logging.getLogger(__name__)
GONE = (404, 409, 422)


class CallServices:
    def __init__(self, ari: AriClient, *, moh_class: str = "default") -> None:
        self.ari = ari
        self.moh_class = moh_class

    async def only_events(self, app: str, types: set[str]) -> None:
        """Ask Asterisk to send app only these event types (the rest are dropped before its
        websocket). Never sent on app's own websocket: Asterisk does not answer that request
        there (seen with Asterisk 22)."""
        try:
            await self.ari.applications.filter(applicationName=app,
                                               filter={"allowed": [{"type": t} for t in sorted(types)]})
        except AriError as exc:  # an Asterisk without event filters: the worker ignores the rest itself
            log.warning("event filter refused", extra={"app": app, "error": str(exc)})

    async def _tolerant(self, coro) -> Any:
        try:
            return await coro
        except AriError as exc:
            if exc.status in GONE:
                return None
            raise
        except httpx.HTTPError as exc:  # Asterisk away: what we wanted gone is gone with it
            log.warning("ARI unreachable", extra={"error": repr(exc)})
            return None

    # ---------------------------------------------------------------- channels
    async def answer(self, channel_id: str) -> None:
        await self.ari.channels.answer(channelId=channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._tolerant(self.ari.channels.hangup(channelId=channel_id, reason=reason))

    async def exists(self, channel_id: str) -> bool:
        try:
            await self.ari.channels.get(channelId=channel_id)
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def variable(self, channel_id: str, name: str) -> str | None:
        try:
            return (await self.ari.channels.getChannelVar(channelId=channel_id, variable=name)).get("value")
        except AriError:
            return None

    async def play(self, channel_id: str, media: list[str], playback_id: str) -> None:
        await self.ari.channels.play(channelId=channel_id, media=media, playbackId=playback_id, lang="zh")

    async def stop_playback(self, playback_id: str) -> None:
        await self._tolerant(self.ari.playbacks.stop(playbackId=playback_id))

    async def moh(self, channel_id: str, on: bool) -> None:
        if on:
            await self._tolerant(self.ari.channels.startMoh(channelId=channel_id, mohClass=self.moh_class))
        else:
            await self._tolerant(self.ari.channels.stopMoh(channelId=channel_id))

    async def mute_in(self, channel_id: str, on: bool) -> None:
        """Mute what the channel sends into the call (the caller on hold is not heard)."""
        if on:
            await self._tolerant(self.ari.channels.mute(channelId=channel_id, direction="in"))
        else:
            await self._tolerant(self.ari.channels.unmute(channelId=channel_id, direction="in"))

    async def originate(self, *, leg_id: str, endpoint: str, app: str, app_args: str, caller_id: str,
                        timeout: int) -> dict:
        """Dial a leg into our application; its StasisStart arrives when it answers."""
        return await self.ari.channels.originate(endpoint=endpoint, app=app, appArgs=app_args,
                                                 callerId=caller_id, timeout=timeout, channelId=leg_id)

    async def snoop(self, channel_id: str, snoop_id: str, *, spy: str, whisper: str, app: str,
                    app_args: str) -> None:
        """A snoop channel on channel_id into our application (a supervisor's monitor): `spy`
        what it hears of the channel (in/out/both/none), `whisper` where its audio goes."""
        await self.ari.channels.snoopChannelWithId(channelId=channel_id, snoopId=snoop_id, spy=spy, whisper=whisper,
                                                   app=app, appArgs=app_args)

    async def endpoint_online(self, resource: str) -> bool:
        try:
            endpoint = await self.ari.endpoints.get(tech="PJSIP", resource=resource)
        except AriError:
            return False
        return endpoint.get("state") == "online"

    async def rtp_statistics(self, channel_id: str) -> dict | None:
        return await self._tolerant(self.ari.channels.rtpstatistics(channelId=channel_id))

    # ---------------------------------------------------------------- bridges
    async def bridge(self, bridge_id: str, name: str) -> None:
        """Create a mixing bridge (no-op if it exists)."""
        try:
            await self.ari.bridges.createWithId(bridgeId=bridge_id, type="mixing", name=name)
        except AriError as exc:
            if exc.status != 409:
                raise

    async def add(self, bridge_id: str, *channel_ids: str) -> None:
        await self.ari.bridges.addChannel(bridgeId=bridge_id, channel=list(channel_ids),
                                          inhibitConnectedLineUpdates=True)

    async def remove(self, bridge_id: str, channel_id: str) -> None:
        await self._tolerant(self.ari.bridges.removeChannel(bridgeId=bridge_id, channel=[channel_id]))

    async def destroy(self, bridge_id: str) -> None:
        await self._tolerant(self.ari.bridges.destroy(bridgeId=bridge_id))

    async def bridge_moh(self, bridge_id: str, on: bool) -> None:
        if on:
            await self._tolerant(self.ari.bridges.startMoh(bridgeId=bridge_id, mohClass=self.moh_class))
        else:
            await self._tolerant(self.ari.bridges.stopMoh(bridgeId=bridge_id))

    # ---------------------------------------------------------------- recordings
    async def record_bridge(self, bridge_id: str, name: str) -> None:
        """Record the bridge's mixed audio (every party) into spool/recording/<name>.wav."""
        await self.ari.bridges.record(bridgeId=bridge_id, name=name, format="wav", ifExists="overwrite",
                                      beep=False)

    async def stop_recording(self, name: str) -> None:
        await self._tolerant(self.ari.recordings.stop(recordingName=name))

    async def delete_stored(self, name: str) -> None:
        await self._tolerant(self.ari.recordings.deleteStored(recordingName=name))

    # ---------------------------------------------------------------- snapshots
    async def channels(self) -> dict[str, dict]:
        return {c["id"]: c for c in await self.ari.channels.list()}

    async def bridges(self) -> dict[str, dict]:
        return {b["id"]: b for b in await self.ari.bridges.list()}
