"""Secrets that must exist but need not be configured: generated once, kept under var/."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets
from pathlib import Path

from core.private_files import PRIVATE_FILE_MODE, narrow, open_private
from core.settings import MIN_SECRET_KEY_BYTES, Settings


class SecretTooShort(RuntimeError):
    """A stored secret that would make tokens forgeable: refused at start-up."""


def _read_or_create(path: Path) -> str:
    """Return the secret stored at path, creating it (mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole under a private name, then linked into place: a process starting at
        # the same moment finds either no file or the complete one, never a half-written one
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with os.fdopen(open_private(partial), "w") as f:
            f.write(_secrets.token_urlsafe(32))
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    narrow(path, PRIVATE_FILE_MODE)  # a copy restored with a wider mode is narrowed
    value = path.read_text().strip()
    if len(value.encode()) < MIN_SECRET_KEY_BYTES:
        raise SecretTooShort(f"{path} is empty or shorter than {MIN_SECRET_KEY_BYTES} bytes; remove it to "
                             "have a new one generated (everyone signs in again)")
    return value


def secret_key(settings: Settings) -> str:
    """The token-signing key: HOTLINE_SECRET_KEY, else one generated into var/secret_key."""
    if settings.security.secret_key is not None:
        return settings.security.secret_key.get_secret_value()
    return _read_or_create(Path(settings.storage.var_dir) / "secret_key")


def derived_secret(settings: Settings, purpose: str) -> str:
    """A stable per-purpose secret derived from the secret key (never committed anywhere)."""
    digest = hmac.new(secret_key(settings).encode(), purpose.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def ari_password(settings: Settings) -> str:
    """ARI user's password: HOTLINE_ARI_PASSWORD, else derived from the secret key."""
    if settings.telephony.ari_password is not None:
        return settings.telephony.ari_password.get_secret_value()
    return derived_secret(settings, "ari")
