"""Which worker serves which Stasis application (shared in Redis): an owner key with a short
TTL per app, node-scoped sets of apps; a dead worker's app becomes an orphan to adopt."""
from __future__ import annotations

from calls.commands import owner_key
from ivr.ownership import Ownership


async def test_hold_release_and_orphans(redis):
    a = Ownership(redis, "wa", "node1", ttl=3)
    b = Ownership(redis, "wb", "node1", ttl=3)
    other_node = Ownership(redis, "wc", "node2", ttl=3)
    assert await a.hold("hotline-wa")
    assert not await b.hold("hotline-wa")  # a live owner keeps it
    assert await a.hold("hotline-wa")  # refresh
    await a.mark_live("hotline-wa", True)
    assert await b.live_apps() == ["hotline-wa"] and await other_node.live_apps() == []
    await redis.delete(owner_key("hotline-wa"))  # the owner died: its key expired
    assert await b.orphans() == ["hotline-wa"]
    assert await other_node.orphans() == []  # another Asterisk node does not adopt it
    assert await b.live_apps() == []  # a stale live entry does not route calls
    assert await b.hold("hotline-wa")  # adopted
    await b.release("hotline-wa", forget=True)
    assert await b.orphans() == [] and await b.owner("hotline-wa") is None


async def test_loads_and_reservations(redis):
    own = Ownership(redis, "wa", "node1")
    await own.set_load("hotline-wa", 2)
    await own.reserve("hotline-wb")
    assert await own.loads(["hotline-wa", "hotline-wb", "hotline-wc"]) == {"hotline-wa": 2, "hotline-wb": 1,
                                                                          "hotline-wc": 0}
