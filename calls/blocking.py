"""The block-list rules (R-26), pure: how a number is stored and what an entry means at a moment.
Used by the block list's API (calls.blocklist) and by the check before every call
(agi_scripts.blocklist_check)."""
from __future__ import annotations

from datetime import datetime


def normalise_number(number: str) -> str:
    """Digits only, without the country code (+86 / 0086)."""
    digits = "".join(c for c in number if c.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix):]
    return digits


def block_decision(status: str | None, until: datetime | None, now: datetime) -> str | None:
    """'blocked', 'warned' or None for a block-list entry at `now` (pure)."""
    if status is None or (until is not None and until <= now):
        return None
    return "blocked" if status == "suspended" else "warned" if status == "warned" else None
