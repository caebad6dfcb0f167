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
        if payload.get("typ") == CLIENT_TOKEN:  # an API client's token never stands for a person
            return None
        return TokenClaims(
            user_id=int(payload["sub"]),
            token_version=int(payload.get("tv", 0)),
            expires_at=datetime.fromtimestamp(payload["exp"]).astimezone(),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


CLIENT_TOKEN = "client"  # the "typ" claim of an API client's token


@dataclass(frozen=True)
class ClientTokenClaims:
    client_pk: int  # api_clients.id
    token_version: int
    expires_at: datetime


def issue_client_token(*, client_pk: int, token_version: int, key: str, ttl: timedelta) -> str:
    """A signed bearer token for an API client (OAuth2 client credentials), valid for ttl."""
    now = utcnow()
    payload = {"sub": f"client:{client_pk}", "typ": CLIENT_TOKEN, "tv": token_version,
               "iat": int(now.timestamp()), "exp": now + ttl}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def is_client_token(token: str, *, key: str) -> bool:
    """True for a valid, unexpired API client token."""
    return read_client_token(token, key=key) is not None


def read_client_token(token: str, *, key: str) -> ClientTokenClaims | None:
    """The claims of a valid, unexpired client token; None for anything else (a person's token too)."""
    try:
        payload = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "typ"]})
        if payload["typ"] != CLIENT_TOKEN or not str(payload["sub"]).startswith("client:"):
            return None
        return ClientTokenClaims(client_pk=int(str(payload["sub"]).removeprefix("client:")),
                                 token_version=int(payload.get("tv", 0)),
                                 expires_at=datetime.fromtimestamp(payload["exp"]).astimezone())
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
