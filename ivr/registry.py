"""Which call owns which Asterisk object: the worker routes every ARI event through this
registry (a channel's or a playback's events go to its call), and a call registers what it
creates (its legs, bridges and playbacks) and is forgotten whole when it ends."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ivr.call_types import Leg


class CallRegistry:
    def __init__(self) -> None:
        self.calls: dict[int, Any] = {}  # call id -> its actor (read by the dispatcher and commands)
        self._channels: dict[str, Any] = {}
        self._bridges: dict[str, Any] = {}
        self._playbacks: dict[str, Any] = {}

    # ---------------------------------------------------------------- calls
    def add_call(self, call: Any) -> None:
        self.calls[call.call_id] = call
        self._channels[call.caller] = call

    def remove_call(self, call: Any) -> None:
        """The call and everything still registered for it."""
        if self.calls.get(call.call_id) is call:
            del self.calls[call.call_id]
        for index in (self._channels, self._bridges, self._playbacks):
            for key in [k for k, v in index.items() if v is call]:
                del index[key]

    def call(self, call_id: int) -> Any | None:
        return self.calls.get(call_id)

    def live(self) -> set[Any]:
        """Every call actor, those still opening their record included."""
        return set(self.calls.values()) | set(self._channels.values())

    # ---------------------------------------------------------------- objects of a call
    def add_channel(self, channel_id: str, call: Any) -> None:
        self._channels[channel_id] = call

    def drop_channel(self, channel_id: str) -> None:
        self._channels.pop(channel_id, None)

    def by_channel(self, channel_id: str | None) -> Any | None:
        return self._channels.get(channel_id or "")

    def knows_channel(self, channel_id: str) -> bool:
        return channel_id in self._channels

    def channel_ids(self) -> set[str]:
        return set(self._channels)

    def add_bridge(self, bridge_id: str, call: Any) -> None:
        self._bridges[bridge_id] = call

    def drop_bridge(self, bridge_id: str) -> None:
        self._bridges.pop(bridge_id, None)

    def add_playback(self, playback_id: str, call: Any) -> None:
        self._playbacks[playback_id] = call

    def drop_playback(self, playback_id: str) -> None:
        self._playbacks.pop(playback_id, None)

    def by_playback(self, playback_id: str) -> Any | None:
        return self._playbacks.get(playback_id)


class Legs:
    """The channels one call dialled (agents, transfer targets, parties, emergency centres),
    each registered for routing while the call knows it."""

    def __init__(self, registry: CallRegistry, call: Any) -> None:
        self._registry, self._call = registry, call
        self._legs: dict[str, Leg] = {}

    def add(self, leg: Leg) -> None:
        self._legs[leg.channel_id] = leg
        self._registry.add_channel(leg.channel_id, self._call)

    def drop(self, leg: Leg) -> None:
        self._legs.pop(leg.channel_id, None)
        self._registry.drop_channel(leg.channel_id)

    def get(self, channel_id: str | None) -> Leg | None:
        return self._legs.get(channel_id or "")

    def __iter__(self) -> Iterator[Leg]:
        return iter(list(self._legs.values()))  # a copy: handlers drop legs while iterating

    def pending(self, *kinds: str) -> Leg | None:
        return next((leg for leg in self._legs.values() if leg.kind in kinds and not leg.gone), None)

    def live_parties(self, agent: Leg | None) -> list[Leg]:
        """Answered legs other than the controlling agent that are still up."""
        return [leg for leg in self._legs.values() if leg.answered and not leg.gone and leg is not agent]
