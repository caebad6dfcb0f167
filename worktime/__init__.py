"""Working-time calendar, holiday seeding and the 第十三条 time-limit policy (R-10 … R-15)."""

from worktime.calendar import DEFAULT_PERIODS, SHANGHAI, DayKind, Deadline, WorkingCalendar
from worktime.holidays import (
    fallback_day_kinds,
    known_years,
    published_day_kinds,
    qingming,
    seeded_calendar,
    seeded_day_kinds,
    statutory_holidays,
)
from worktime.policy import (
    DEFAULT_POLICY,
    Category,
    ExtensionRefused,
    HandlingDays,
    RefusalReason,
    SpecialLevel,
    SpecialMatterLimits,
    TimeLimitPolicy,
    check_extension_request,
    dispatch_deadline,
    extended_due,
    first_response_deadline,
    handling_deadline,
    handling_working_days,
    policy_from_dict,
    policy_to_dict,
    progress_deadline,
    return_deadline,
    sign_deadline,
)

__all__ = [
    "DEFAULT_PERIODS", "SHANGHAI", "DayKind", "Deadline", "WorkingCalendar",
    "fallback_day_kinds", "known_years", "published_day_kinds", "qingming",
    "seeded_calendar", "seeded_day_kinds", "statutory_holidays",
    "DEFAULT_POLICY", "Category", "ExtensionRefused", "HandlingDays", "RefusalReason",
    "SpecialLevel", "SpecialMatterLimits", "TimeLimitPolicy", "check_extension_request",
    "dispatch_deadline", "extended_due", "first_response_deadline", "handling_deadline",
    "handling_working_days", "policy_from_dict", "policy_to_dict", "progress_deadline",
    "return_deadline", "sign_deadline",
]
