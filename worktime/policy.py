"""The time-limit policy of 第十三条 (R-10 … R-15) as versioned data, and the deadlines it yields.

A policy is published by administrators and stored as JSON; every ticket should
record the version it was timed under, so a later policy never re-times old tickets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from math import isfinite
from typing import Any

from worktime.calendar import Deadline, WorkingCalendar

# Sanity bounds that catch typos (150 for 15) without constraining real policies.
MAX_WORKING_DAYS = 250
MAX_HOURS = 168


class InvalidPolicy(ValueError):
    """A policy value that cannot be accepted; the message names the field."""


# The validators come first: the policy's default sections are built at import time.
def _is_int(value: Any) -> bool:
    """Whether value is an int proper (JSON true/false are not counts)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_working_days(name: str, value: Any, minimum: int = 1) -> None:
    """Refuse a working-day count that is not an integer within bounds."""
    if not _is_int(value) or not minimum <= value <= MAX_WORKING_DAYS:
        raise InvalidPolicy(f"{name} must be an integer from {minimum} to {MAX_WORKING_DAYS}, got {value!r}")


def _check_hours(name: str, value: Any) -> None:
    """Refuse an hour count that is not a positive finite number within bounds."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not isfinite(value)
        or not 0 < value <= MAX_HOURS
    ):
        raise InvalidPolicy(
            f"{name} must be a number of hours above 0 and at most {MAX_HOURS}, got {value!r}"
        )


def _field_names(cls: type) -> tuple[str, ...]:
    """Names of a dataclass's fields, in order."""
    return tuple(f.name for f in fields(cls))


class Category(StrEnum):
    """Request categories with their own handling limits (第九条, 第十三条)."""

    CONSULTATION = "consultation"  # 咨询
    HELP = "help"  # 求助
    SUGGESTION = "suggestion"  # 意见建议
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报


class SpecialLevel(StrEnum):
    """Fast-track levels of 第十三条第四项."""

    SPECIAL = "special"  # 特殊事项: large-area water/power/gas outage, pollution
    SPECIAL_URGENT = "special_urgent"  # 特殊紧急事项: disasters, accidents, public health, security


class RefusalReason(StrEnum):
    """Why an extension request (延期申请) is refused."""

    NOT_EXTENDABLE_CATEGORY = "not_extendable_category"
    REDO_TICKET = "redo_ticket"
    INVALID_DAYS = "invalid_days"
    TOO_LATE = "too_late"
    OVER_LIMIT = "over_limit"
    OVER_MAJOR_LIMIT = "over_major_limit"


class ExtensionRefused(Exception):
    """An extension request that the policy does not allow; `reason` says which rule."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class HandlingDays:
    """Handling limit (办理时限) in working days for each category."""

    consultation: int
    help: int
    suggestion: int
    complaint: int
    report: int

    def __post_init__(self) -> None:
        for name in _field_names(HandlingDays):
            _check_working_days(name, getattr(self, name))

    def for_category(self, category: Category | str) -> int:
        """The limit for one category."""
        return getattr(self, Category(category).value)


@dataclass(frozen=True)
class SpecialMatterLimits:
    """Limits for special matters: first response in elapsed hours, progress in working days."""

    first_response_hours: float
    progress_working_days: int

    def __post_init__(self) -> None:
        _check_hours("first_response_hours", self.first_response_hours)
        _check_working_days("progress_working_days", self.progress_working_days)


@dataclass(frozen=True)
class TimeLimitPolicy:
    """All time limits of 第十三条; defaults are the figures of the Sichuan measures."""

    version: str
    dispatch_working_hours: float = 3  # R-10 转办 within 3 working hours of acceptance
    sign_working_days: int = 1  # R-11 签收 within 1 WD of dispatch
    # R-12 办理时限, counted from dispatch.
    handling_working_days: HandlingDays = HandlingDays(
        consultation=5, help=7, suggestion=7, complaint=15, report=15
    )
    # 涉企 tickets. The measures give no enterprise figure for 举报 (report); we apply
    # the complaint figure, 10, since both share 15 WD in the normal table.
    enterprise_handling_working_days: HandlingDays = HandlingDays(
        consultation=3, help=5, suggestion=5, complaint=10, report=10
    )
    return_window_working_days: int = 2  # R-13 退回 within 2 WD, later counts as overdue
    extension_max_working_days: int = 15  # R-14 延期 一般不超过15个工作日 (all extensions together)
    # R-14 特别重大、复杂 ≤ 40 WD; read as the total of all extensions of the ticket.
    extension_major_total_max_working_days: int = 40
    extension_request_lead_working_days: int = 1  # R-14 申请 at least 1 WD before the due time
    non_extendable_categories: frozenset[Category] = field(
        default=frozenset({Category.CONSULTATION})  # 咨询类 原则上不予延期
    )
    redo_extendable: bool = False  # 重办工单 原则上不予延期
    special: SpecialMatterLimits = SpecialMatterLimits(4, 3)  # R-15 4 h / 3 WD
    special_urgent: SpecialMatterLimits = SpecialMatterLimits(2, 2)  # R-15 2 h / 2 WD

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise InvalidPolicy(f"version must be a non-empty string, got {self.version!r}")
        _check_hours("dispatch_working_hours", self.dispatch_working_hours)
        for name in (
            "sign_working_days",
            "return_window_working_days",
            "extension_max_working_days",
            "extension_major_total_max_working_days",
        ):
            _check_working_days(name, getattr(self, name))
        _check_working_days(
            "extension_request_lead_working_days", self.extension_request_lead_working_days, minimum=0
        )
        if self.extension_major_total_max_working_days < self.extension_max_working_days:
            raise InvalidPolicy(
                "extension_major_total_max_working_days must be at least extension_max_working_days"
            )
        _check_types(self)


_SECTIONS = {
    "handling_working_days": HandlingDays,
    "enterprise_handling_working_days": HandlingDays,
    "special": SpecialMatterLimits,
    "special_urgent": SpecialMatterLimits,
}


def _check_types(policy: TimeLimitPolicy) -> None:
    """Refuse wrongly typed sections, categories and flags given to the constructor."""
    for key, section in _SECTIONS.items():
        if not isinstance(getattr(policy, key), section):
            raise InvalidPolicy(f"{key} must be a {section.__name__}")
    categories = policy.non_extendable_categories
    if not isinstance(categories, frozenset) or not all(isinstance(c, Category) for c in categories):
        raise InvalidPolicy("non_extendable_categories must be a frozenset of Category")
    if not isinstance(policy.redo_extendable, bool):
        raise InvalidPolicy(f"redo_extendable must be true or false, got {policy.redo_extendable!r}")


DEFAULT_POLICY = TimeLimitPolicy(version="sichuan-measures-draft-1")


def policy_to_dict(policy: TimeLimitPolicy) -> dict[str, Any]:
    """A JSON-ready dict of a policy (the form stored and published)."""
    data = asdict(policy)
    data["non_extendable_categories"] = sorted(c.value for c in policy.non_extendable_categories)
    return data


def policy_from_dict(data: Mapping[str, Any]) -> TimeLimitPolicy:
    """Parse and validate a stored policy; a missing, unknown or bad value raises InvalidPolicy."""
    _check_keys("policy", data, _field_names(TimeLimitPolicy))
    values = dict(data)
    for key, section in _SECTIONS.items():
        values[key] = _parse_section(key, section, data[key])
    values["non_extendable_categories"] = _parse_categories(data["non_extendable_categories"])
    return TimeLimitPolicy(**values)


def handling_working_days(policy: TimeLimitPolicy, category: Category | str, enterprise_related: bool) -> int:
    """R-12 handling limit in working days for a category, 涉企 or not."""
    table = policy.enterprise_handling_working_days if enterprise_related else policy.handling_working_days
    return table.for_category(category)


def dispatch_deadline(policy: TimeLimitPolicy, calendar: WorkingCalendar, accepted_at: datetime) -> Deadline:
    """R-10: when the hotline must have dispatched a ticket accepted at accepted_at."""
    return calendar.add_working_hours(accepted_at, policy.dispatch_working_hours)


def sign_deadline(policy: TimeLimitPolicy, calendar: WorkingCalendar, dispatched_at: datetime) -> Deadline:
    """R-11: when the handling unit must have signed for (签收) the ticket."""
    return calendar.add_working_days(dispatched_at, policy.sign_working_days)


def handling_deadline(
    policy: TimeLimitPolicy,
    calendar: WorkingCalendar,
    dispatched_at: datetime,
    *,
    category: Category | str,
    enterprise_related: bool,
) -> Deadline:
    """R-12: when the handling unit must have completed (办结) the ticket."""
    days = handling_working_days(policy, category, enterprise_related)
    return calendar.add_working_days(dispatched_at, days)


def return_deadline(policy: TimeLimitPolicy, calendar: WorkingCalendar, dispatched_at: datetime) -> Deadline:
    """R-13: the last moment a unit may return (退回) a ticket that is not its duty."""
    return calendar.add_working_days(dispatched_at, policy.return_window_working_days)


def first_response_deadline(
    policy: TimeLimitPolicy, calendar: WorkingCalendar, dispatched_at: datetime, *, level: SpecialLevel | str
) -> Deadline:
    """R-15: initial response (初步响应意见) to a special matter, in elapsed hours."""
    return calendar.add_calendar_hours(dispatched_at, _special_limits(policy, level).first_response_hours)


def progress_deadline(
    policy: TimeLimitPolicy, calendar: WorkingCalendar, dispatched_at: datetime, *, level: SpecialLevel | str
) -> Deadline:
    """R-15: progress report (处理进度) on a special matter, in working days."""
    return calendar.add_working_days(dispatched_at, _special_limits(policy, level).progress_working_days)


def extended_due(calendar: WorkingCalendar, current_due: datetime, granted_days: int) -> Deadline:
    """The due time after an approved extension of granted_days working days."""
    return calendar.add_working_days(current_due, granted_days)


def check_extension_request(
    policy: TimeLimitPolicy,
    calendar: WorkingCalendar,
    *,
    category: Category | str,
    is_redo: bool,
    current_due: datetime,
    requested_days: int,
    already_extended_days: int,
    major: bool,
    now: datetime,
) -> None:
    """R-14: return if the request may go to the hotline for approval, else raise ExtensionRefused."""
    _check_extendable(policy, category, is_redo)
    _check_day_counts(requested_days, already_extended_days)
    _check_request_lead(policy, calendar, current_due, now)
    _check_extension_total(policy, requested_days + already_extended_days, major)


def _check_extendable(policy: TimeLimitPolicy, category: Category | str, is_redo: bool) -> None:
    """Refuse categories and redo tickets that the policy never extends."""
    if Category(category) in policy.non_extendable_categories:
        raise ExtensionRefused(RefusalReason.NOT_EXTENDABLE_CATEGORY, f"{category} tickets are not extended")
    if is_redo and not policy.redo_extendable:
        raise ExtensionRefused(RefusalReason.REDO_TICKET, "redo tickets (重办工单) are not extended")


def _check_day_counts(requested_days: int, already_extended_days: int) -> None:
    """Refuse a request for no days; a negative history is the caller's bug."""
    if not _is_int(requested_days) or requested_days < 1:
        raise ExtensionRefused(
            RefusalReason.INVALID_DAYS, f"requested days must be a positive integer, got {requested_days!r}"
        )
    if not _is_int(already_extended_days) or already_extended_days < 0:
        raise ValueError(
            f"already_extended_days must be a non-negative integer, got {already_extended_days!r}"
        )


def _check_request_lead(
    policy: TimeLimitPolicy, calendar: WorkingCalendar, current_due: datetime, now: datetime
) -> None:
    """Refuse a request made less than the lead time (in working time) before the due time."""
    # Measured in working time like every other limit: at 08:00 on the due day a
    # whole working day still lies ahead, so the request is in time.
    lead = calendar.working_day_length * policy.extension_request_lead_working_days
    remaining = calendar.working_time_between(now, current_due)  # also refuses naive datetimes
    if now >= current_due or remaining < lead:
        raise ExtensionRefused(
            RefusalReason.TOO_LATE,
            f"extension must be requested at least {policy.extension_request_lead_working_days} "
            f"working day(s) before the due time {current_due.isoformat()}",
        )


def _check_extension_total(policy: TimeLimitPolicy, total_days: int, major: bool) -> None:
    """Refuse extensions whose total exceeds the normal or the major-matter limit."""
    if major and total_days > policy.extension_major_total_max_working_days:
        raise ExtensionRefused(
            RefusalReason.OVER_MAJOR_LIMIT,
            f"major matters may be extended by at most {policy.extension_major_total_max_working_days} "
            f"working days in total, this would make {total_days}",
        )
    if not major and total_days > policy.extension_max_working_days:
        raise ExtensionRefused(
            RefusalReason.OVER_LIMIT,
            f"extensions may total at most {policy.extension_max_working_days} working days "
            f"(unless the matter is major), this would make {total_days}",
        )


def _special_limits(policy: TimeLimitPolicy, level: SpecialLevel | str) -> SpecialMatterLimits:
    """The limits of one special-matter level."""
    return policy.special if SpecialLevel(level) is SpecialLevel.SPECIAL else policy.special_urgent


def _parse_section(key: str, section: type, value: Any) -> Any:
    """Build a nested section, prefixing its errors with the key."""
    _check_keys(key, value, _field_names(section))
    try:
        return section(**value)
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{key}.{error}") from None


def _parse_categories(value: Any) -> frozenset[Category]:
    """Parse the list of non-extendable categories."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise InvalidPolicy(f"non_extendable_categories must be a list of categories, got {value!r}")
    try:
        return frozenset(Category(item) for item in value)
    except ValueError:
        raise InvalidPolicy(
            f"non_extendable_categories: unknown category in {value!r}; known: {[c.value for c in Category]}"
        ) from None


def _check_keys(where: str, data: Any, expected: tuple[str, ...]) -> None:
    """Refuse a non-mapping, or one with missing or unknown keys."""
    if not isinstance(data, Mapping):
        raise InvalidPolicy(f"{where} must be an object, got {type(data).__name__}")
    missing = [key for key in expected if key not in data]
    unknown = sorted(str(key) for key in data if key not in expected)
    if missing or unknown:
        raise InvalidPolicy(f"{where}: missing keys {missing}, unknown keys {unknown}")
