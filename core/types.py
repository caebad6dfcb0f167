"""Validated input types shared by every API: what a client may send, checked before any I/O."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, model_validator


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


class Strict(BaseModel):
    """A request body: unknown fields and NUL characters are refused (422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_nul_characters(self):
        """PostgreSQL text cannot hold NUL: refuse it here (422) rather than fail in the database."""
        if any("\x00" in text for text in _strings(self.__dict__)):
            raise ValueError("text must not contain NUL characters")
        return self


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
