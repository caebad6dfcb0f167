"""Throttle failed logins (shared through Redis) without handing attackers a lock-out weapon.

Three counters, each over a window of `window_seconds` from its first failure:

- account × address (`max_failures`): that address may no longer try that account. This is
  the ordinary lock-out, and it locks nobody else out.
- address (`max_failures_per_address`, every account): the address itself is refused, so one
  address failing on many accounts is throttled — but no account is locked by it.
- account (`max_failures_per_account`, every address): stops guessing one password from many
  addresses. It refuses only addresses the user has not signed in from successfully within
  KNOWN_GOOD_DAYS: an attacker with many addresses can hold the lock, but cannot keep the
  user out of their usual workstation, and cannot make an address known-good without the
  password.

A refused attempt is not counted (the password is not even checked), and success clears
only its own account × address counter, so signing in from a good address never gives a
distributed attacker a fresh allowance.
"""
from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.errors import TooManyRequests

KNOWN_GOOD_DAYS = 30
_UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Keys:
    pair: str
    address: str
    account: str
    known_good: str


def _keys(username: str, ip: str | None) -> _Keys:
    name, address = username.lower(), ip or _UNKNOWN
    return _Keys(pair=f"login-fail:pair:{name}:{address}", address=f"login-fail:ip:{address}",
                 account=f"login-fail:user:{name}", known_good=f"login-good:{name}:{address}")


class LoginThrottle:
    """Refuses attempts (429) while any counter that applies is at its limit."""

    def __init__(self, redis: Redis, *, max_failures: int, window_seconds: int,
                 max_failures_per_address: int, max_failures_per_account: int) -> None:
        self.redis = redis
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_per_address = max_failures_per_address
        self.max_per_account = max_failures_per_account

    async def check(self, username: str, ip: str | None) -> None:
        """Raise TooManyRequests while this address may not try this account."""
        keys = _keys(username, ip)
        pair, address, account, known_good = await self.redis.mget(
            [keys.pair, keys.address, keys.account, keys.known_good])
        if int(address or 0) >= self.max_per_address:
            await self._refuse(keys.address)
        if int(pair or 0) >= self.max_failures:
            await self._refuse(keys.pair)
        # without an address (no peer) nothing can be known-good
        if int(account or 0) >= self.max_per_account and not (known_good and ip):
            await self._refuse(keys.account)

    async def _refuse(self, key: str) -> None:
        ttl = await self.redis.ttl(key)
        raise TooManyRequests("登录失败次数过多，请稍后再试 (too many failed logins, try again later)",
                              retry_after=max(int(ttl), 1))

    async def record_failure(self, username: str, ip: str | None) -> None:
        """Count one failed attempt on every counter."""
        keys = _keys(username, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in (keys.pair, keys.address, keys.account):
                pipe.incr(key)
                pipe.expire(key, self.window, nx=True)
            await pipe.execute()

    async def record_success(self, username: str, ip: str | None) -> None:
        """Clear this account × address count and remember the address as known-good."""
        keys = _keys(username, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.pair)
            if ip:
                pipe.set(keys.known_good, 1, ex=KNOWN_GOOD_DAYS * 86400)
            await pipe.execute()
