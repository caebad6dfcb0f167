"""Events of the analytics domain on the event bus (events.envelope for the envelope).

    analytics.alert  {"change": "raised" | "updated" | "cleared" | "acknowledged", "alert": {…}}

To supervisors' desktops within the alert's region (R-31) and to every wallboard whose scope covers
the alert's region (stats.pages.wallboard_view). Never a caller's number: a repeat-caller alert
names the caller masked (138****0000).
"""
from __future__ import annotations

from typing import Any

from events.envelope import SUPERVISORS, Audience
from events.unit_of_work import UnitOfWork

ALERT_EVENT = "analytics.alert"



class AnalyticsNotifier:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def alert_changed(self, change: str, alert: dict[str, Any]) -> None:
        """Published after the commit (outbox), once per change this unit of work made."""
        audience = Audience(roles=list(SUPERVISORS), regional=alert.get("region_code") is not None,
                            region_code=alert.get("region_code"))
        self.uow.emit(ALERT_EVENT, {"change": change, "alert": alert}, audience=audience)
