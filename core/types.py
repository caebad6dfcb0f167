"""Validated input types shared by every API: what a client may send, checked before any I/O."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _storable(moment: datetime) -> datetime:
    """Refuse instants that cannot be stored (UTC conversion overflows) or are absurd."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range") from None
    if not 1900 <= utc.year <= 9000:
        raise ValueError("time must lie between the years 1900 and 9000")
    return moment


# an aware datetime (naive → 422) that the database can store
Moment = Annotated[AwareDatetime, AfterValidator(_storable)]
