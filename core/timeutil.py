"""Clock and time-zone helpers: storage is UTC, the business zone is Asia/Shanghai."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current instant, time-zone aware (UTC)."""
    return datetime.now(UTC)


def business_time(moment: datetime) -> datetime:
    """The same instant shown in Asia/Shanghai (+08:00)."""
    return moment.astimezone(BUSINESS_TZ)
