"""Which region a call belongs to (R-31): the rule that lets a city centre's staff see, control
and hear only their own region's calls.

1. When the call starts: the number the carrier delivered (the dialled 12345 number as it
   arrives on a city's trunk, e.g. 02812345) looked up in HOTLINE_CALL_REGIONS
   (`number=region-code` pairs, comma separated).
2. Otherwise, when a seat answers it: the region of the answering seat's organisation unit
   (a Chengdu agent's call is Chengdu's), kept for the rest of the call.
3. A call with neither (not mapped and never answered) has no region: only province staff see it.
"""
from __future__ import annotations

import re

_PAIR = re.compile(r"^([0-9]{3,20})=([0-9]{6,12})$")


def parse_call_regions(text: str) -> dict[str, str]:
    """`02812345=510100,08162345=510300` → {"02812345": "510100", …}; ValueError on a bad pair."""
    mapping: dict[str, str] = {}
    for raw in text.split(","):
        pair = raw.strip()
        if not pair:
            continue
        match = _PAIR.match(pair)
        if match is None:
            raise ValueError(f"HOTLINE_CALL_REGIONS: {pair!r} is not number=region-code (e.g. 02812345=510100)")
        mapping[match.group(1)] = match.group(2)
    return mapping


def region_at_start(mapping: dict[str, str], called_number: str | None) -> str | None:
    """The region of a call from the number it was dialled on (None when not mapped)."""
    return mapping.get(called_number or "")


def region_at_answer(current: str | None, seat_region: str | None) -> str | None:
    """A call keeps the region it has; one without gets the answering seat's."""
    return current or seat_region
