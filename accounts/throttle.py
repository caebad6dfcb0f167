"""Throttle repeated failed logins per username and per client address (shared through Redis)."""
from __future__ import annotations

from redis.asyncio import Redis

from core.errors import TooManyRequests


class LoginThrottle:
    """After max_failures failures within window seconds, further attempts are refused."""

    def __init__(self, redis: Redis, *, max_failures: int, window_seconds: int) -> None:
        self.redis = redis
        self.max_failures = max_failures
        self.window = window_seconds

    def _keys(self, username: str, ip: str | None) -> list[str]:
        keys = [f"login-fail:user:{username.lower()}"]
        if ip:
            # an address may try more names than one user may try passwords
            keys.append(f"login-fail:ip:{ip}")
        return keys

    async def check(self, username: str, ip: str | None) -> None:
        """Raise TooManyRequests while the username or address is locked out."""
        for index, key in enumerate(self._keys(username, ip)):
            limit = self.max_failures * (1 if index == 0 else 4)
            count = int(await self.redis.get(key) or 0)
            if count >= limit:
                ttl = await self.redis.ttl(key)
                raise TooManyRequests(
                    "登录失败次数过多，请稍后再试 (too many failed logins, try again later)",
                    retry_after=max(int(ttl), 1),
                )

    async def record_failure(self, username: str, ip: str | None) -> None:
        """Count one failed attempt."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self._keys(username, ip):
                pipe.incr(key)
                pipe.expire(key, self.window, nx=True)
            await pipe.execute()

    async def record_success(self, username: str) -> None:
        """A successful login clears the username's count."""
        await self.redis.delete(self._keys(username, None)[0])
