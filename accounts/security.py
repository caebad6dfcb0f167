"""Password hashing (argon2) and bearer tokens (signed JWT with expiry and revocation)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.timeutil import utcnow

_hasher = PasswordHasher()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    """An argon2id hash of password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when password matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a dummy hash for unknown users keeps the response time the same,
# so login timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification (unknown user)."""
    verify_password(_DUMMY_HASH, password)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    expires_at: datetime


def issue_token(*, user_id: int, token_version: int, key: str, ttl: timedelta) -> str:
    """A signed bearer token for user_id, valid for ttl."""
    now = utcnow()
    payload = {"sub": str(user_id), "tv": token_version, "iat": int(now.timestamp()), "exp": now + ttl}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def read_token(token: str, *, key: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token; None for anything else."""
    try:
        payload = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        return TokenClaims(
            user_id=int(payload["sub"]),
            token_version=int(payload.get("tv", 0)),
            expires_at=datetime.fromtimestamp(payload["exp"]).astimezone(),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
