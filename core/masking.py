"""The one masking rule for personal data shown to people who may not see it whole (R-25, R-35).

Every screen, export, event and error that shows a phone number or a name to someone
without the right to see it goes through these two functions, so the rule is stated once.
"""
from __future__ import annotations

MIN_HIDDEN_DIGITS = 4  # at least this many characters of any number are never shown
MAX_VISIBLE_PREFIX = 3  # operator / area prefix (138…, 028…)
MAX_VISIBLE_SUFFIX = 4  # last digits, enough for a caller to recognise their own number


def mask_phone(number: str | None) -> str | None:
    """Hide at least four characters of a number: 13812348000 → 138****8000, 85551234 → 85****34.

    The masked form keeps the number's length, so a mobile and a landline stay recognisable
    as such; numbers of four characters or fewer are hidden whole.
    """
    if not number:
        return number
    hidden = max(MIN_HIDDEN_DIGITS, len(number) - MAX_VISIBLE_PREFIX - MAX_VISIBLE_SUFFIX)
    visible = max(0, len(number) - hidden)
    prefix = min(MAX_VISIBLE_PREFIX, visible // 2)
    suffix = min(MAX_VISIBLE_SUFFIX, visible - prefix)
    return number[:prefix] + "*" * (len(number) - prefix - suffix) + (number[-suffix:] if suffix else "")


def mask_name(name: str | None) -> str | None:
    """Keep the family name only: 张三丰 → 张**."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
