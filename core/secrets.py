"""Secrets that must exist but need not be configured: generated once, kept under var/."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets
from pathlib import Path

from core.settings import Settings


def _read_or_create(path: Path) -> str:
    """Return the secret stored at path, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = _secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def secret_key(settings: Settings) -> str:
    """The token-signing key: HOTLINE_SECRET_KEY, else one generated into var/secret_key."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return _read_or_create(Path(settings.var_dir) / "secret_key")


def derived_secret(settings: Settings, purpose: str) -> str:
    """A stable per-purpose secret derived from the secret key (never committed anywhere)."""
    digest = hmac.new(secret_key(settings).encode(), purpose.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def ari_password(settings: Settings) -> str:
    """ARI user's password: HOTLINE_ARI_PASSWORD, else derived from the secret key."""
    if settings.ari_password is not None:
        return settings.ari_password.get_secret_value()
    return derived_secret(settings, "ari")
