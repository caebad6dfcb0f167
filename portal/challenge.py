"""Proof of work (工作量证明) without an outside service, pure: the server hands out a signed
challenge, the page finds a counter whose SHA-256 with it starts with `bits` zero bits.

    token = "<expires>.<nonce>.<bits>.<signature>"   (signature: HMAC-SHA256 of the rest, hex, 32 chars)
    solved when sha256(f"{token}:{counter}") has `bits` leading zero bits

A token is single-use: the caller keeps its nonce (Redis) until it expires.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SIGNATURE_CHARS = 32
MAX_COUNTER_CHARS = 20


class ChallengeRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    expires: int
    nonce: str


def _sign(key: bytes, body: str) -> str:
    return hmac.new(key, f"portal-challenge:{body}".encode(), hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]


def issue(key: bytes, *, bits: int, now: int, ttl: int) -> Challenge:
    nonce = secrets.token_hex(12)
    body = f"{now + ttl}.{nonce}.{bits}"
    return Challenge(token=f"{body}.{_sign(key, body)}", bits=bits, expires=now + ttl, nonce=nonce)


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + 8 - byte.bit_length()
    return count


def verify(key: bytes, token: str, counter: str, *, min_bits: int, now: int) -> Challenge:
    """The challenge if `counter` solves `token` (signed by key, unexpired, at least min_bits);
    ChallengeRefused(reason) otherwise. Single use is the caller's business (the nonce)."""
    parts = (token or "").split(".")
    if len(parts) != 4 or not counter or len(counter) > MAX_COUNTER_CHARS or not counter.isdigit():
        raise ChallengeRefused("malformed")
    expires, nonce, bits, signature = parts
    body = f"{expires}.{nonce}.{bits}"
    if not hmac.compare_digest(_sign(key, body), signature):
        raise ChallengeRefused("forged")
    if not (expires.isdigit() and bits.isdigit()) or int(expires) < now:
        raise ChallengeRefused("expired")
    if int(bits) < min_bits:
        raise ChallengeRefused("too_easy")
    if leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < int(bits):
        raise ChallengeRefused("unsolved")
    return Challenge(token=token, bits=int(bits), expires=int(expires), nonce=nonce)


def solve(token: str, bits: int) -> str:
    """The first counter that solves token (for tests, benchmarks and integrations)."""
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)
