"""The analytics domain's configuration (from HOTLINE_ANALYTICS_* settings)."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from analytics.rules import AlertPolicy
from core.settings import Settings


@dataclass(frozen=True)
class AnalyticsConfig:
    policy: AlertPolicy
    topic_threshold: float
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalyticsConfig:
        a = settings.analytics
        policy = AlertPolicy(surge_min_tickets=a.analytics_surge_min_tickets,
                             surge_window_minutes=a.analytics_surge_window_minutes,
                             surge_factor=a.analytics_surge_factor, repeat_min_tickets=a.analytics_repeat_min_tickets,
                             repeat_window_days=a.analytics_repeat_window_days,
                             collective_min_callers=a.analytics_collective_min_callers,
                             collective_window_days=a.analytics_collective_window_days)
        return cls(policy=policy, topic_threshold=a.analytics_topic_threshold,
                   tz=ZoneInfo(settings.worktime.business_timezone))
