"""Which outside numbers the platform may dial (three-way calls now, every outbound leg later).

Pure: the allow-list is a whitespace-separated list of regular expressions (not commas: they
occur inside `{9,10}`), each matching a whole number (digits only). The default admits mainland mobile numbers, landlines with or without
their area code and the emergency services; it refuses international (00…), premium and
information lines (400/800, 95xxx/96xxx, 1xxxx short codes) and everything else.
"""
from __future__ import annotations

import re
from functools import lru_cache

_DEFAULT_PATTERNS = (
    r"1[3-9][0-9]{9}",  # mobile: 13x … 19x, 11 digits
    r"0[1-9][0-9]{9,10}",  # landline with area code (010 / 02x + 8 digits, 0xxx + 7–8 digits)
    r"[2-8][0-9]{6,7}",  # local landline without area code (never 1xx short codes, 9x service lines)
    r"110", r"119", r"120", r"122",  # emergency services
)
DEFAULT_OUTSIDE_NUMBERS = " ".join(_DEFAULT_PATTERNS)


@lru_cache(maxsize=8)
def compile_allow_list(patterns: str) -> tuple[re.Pattern[str], ...]:
    """The compiled patterns (re.error for a malformed one: the settings check calls this at start)."""
    return tuple(re.compile(p) for p in patterns.split())


def outside_number_allowed(number: str, patterns: str = DEFAULT_OUTSIDE_NUMBERS) -> bool:
    """True when `number` (digits only) wholly matches one pattern of the allow-list."""
    if not number.isascii() or not number.isdigit():
        return False
    return any(p.fullmatch(number) for p in compile_allow_list(patterns))


def caller_id(number: str) -> str:
    """The ARI callerId an outside leg shows: the hotline's number, never the citizen's."""
    return f'"{number}" <{number}>'
