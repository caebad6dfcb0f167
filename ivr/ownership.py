"""Which worker owns which Stasis application, shared through Redis.

Every worker registers its own application (`<HOTLINE_ARI_APP>-<worker id>`); the FastAGI
routing hint sends each new call to one of the live ones. A worker holds an owner key per
application it serves, refreshed every second with a short TTL. When a worker dies its keys
expire; another worker (or the same one restarted) adopts the orphaned application: it
opens a websocket for that name, which re-activates the app in Asterisk with its channels
still in it, re-syncs, and serves the waiting callers and the bridged calls.
"""
from __future__ import annotations

from redis.asyncio import Redis

from calls.commands import OWNER_TTL_SECONDS, owner_key

# Take or keep the owner key: free or already ours -> set with TTL. ARGV: worker, ttl.
_HOLD = """
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def apps_key(node: str) -> str:
    """Applications (ever) served on one Asterisk node: the candidates for adoption there."""
    return f"hotline:node:{node}:apps"


def live_key(node: str) -> str:
    """Hash app -> worker id of the applications taking new calls on one Asterisk node."""
    return f"hotline:node:{node}:live"


def load_key(node: str) -> str:
    """Hash app -> calls in progress (kept by each worker, bumped by the routing hint)."""
    return f"hotline:node:{node}:load"


def node_of(settings) -> str:
    """An Asterisk node's name: its ARI address (all workers of one node agree on it)."""
    return f"{settings.telephony.ari_host}:{settings.telephony.ari_port}"


class Ownership:
    def __init__(self, redis: Redis, worker_id: str, node: str, ttl: int = OWNER_TTL_SECONDS) -> None:
        self.redis, self.worker_id, self.node, self.ttl = redis, worker_id, node, ttl
        self._hold = redis.register_script(_HOLD)
        self._release = redis.register_script(_RELEASE)

    async def hold(self, app: str) -> bool:
        """Take or refresh ownership of app; False if another live worker holds it."""
        ok = bool(await self._hold(keys=[owner_key(app)], args=[self.worker_id, str(self.ttl)]))
        if ok:
            await self.redis.sadd(apps_key(self.node), app)
        return ok

    async def release(self, app: str, *, forget: bool) -> None:
        await self._release(keys=[owner_key(app)], args=[self.worker_id])
        await self.redis.hdel(live_key(self.node), app)
        if forget:
            await self.redis.srem(apps_key(self.node), app)

    async def owner(self, app: str) -> str | None:
        return await self.redis.get(owner_key(app))

    async def orphans(self, also: set[str] = frozenset()) -> list[str]:
        """Applications of this node (plus `also`: apps with open calls of this node in the
        database) that nobody owns right now."""
        apps = sorted(set(await self.redis.smembers(apps_key(self.node))) | set(also))
        if not apps:
            return []
        owners = await self.redis.mget([owner_key(a) for a in apps])
        return [a for a, o in zip(apps, owners) if o is None]

    async def mark_live(self, app: str, live: bool) -> None:
        """Advertise (or withdraw) app as able to take new calls (read by the routing hint)."""
        if live:
            await self.redis.hset(live_key(self.node), app, self.worker_id)
        else:
            await self.redis.hdel(live_key(self.node), app)

    async def set_load(self, app: str, calls: int) -> None:
        await self.redis.hset(load_key(self.node), app, calls)

    async def loads(self, apps: list[str]) -> dict[str, int]:
        values = await self.redis.hmget(load_key(self.node), apps) if apps else []
        return {app: int(v or 0) for app, v in zip(apps, values)}

    async def reserve(self, app: str) -> None:
        """Count a call routed to app before its StasisStart arrives (the next call sees it)."""
        await self.redis.hincrby(load_key(self.node), app, 1)

    async def live_apps(self) -> list[str]:
        """Apps advertised live whose owner key is still held (a dead worker's entry is stale)."""
        apps = sorted(await self.redis.hkeys(live_key(self.node)))
        if not apps:
            return []
        owners = await self.redis.mget([owner_key(a) for a in apps])
        return [a for a, o in zip(apps, owners) if o is not None]
