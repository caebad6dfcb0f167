"""Password hashing (argon2). The bearer tokens: access/tokens.py."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


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
