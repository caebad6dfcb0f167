"""Bearer tokens: signed JWTs with an expiry and the user's token version (bumped to revoke)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from core.timeutil import utcnow

ALGORITHM = "HS256"


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
