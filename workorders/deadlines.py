"""Which deadlines a workflow step starts (pure: policy + calendar + facts in, due times out).

Acceptance starts the dispatch limit (R-10). Dispatch starts sign-for (R-11), return
window (R-13), handling (R-12, from dispatch) and, for special matters, the first response
(calendar hours) and the progress report (R-15). A redo (重办) restarts handling; an approved
extension moves the handling deadline (R-14).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from worktime import (
    Deadline,
    TimeLimitPolicy,
    WorkingCalendar,
    dispatch_deadline,
    extended_due,
    first_response_deadline,
    handling_deadline,
    progress_deadline,
    return_deadline,
    sign_deadline,
)

DEADLINE_FIELDS = ("dispatch_due_at", "sign_due_at", "return_due_at", "handle_due_at",
                   "first_response_due_at", "progress_due_at")


@dataclass
class Deadlines:
    """Due times a step sets (only the keys it starts) and whether any is provisional."""

    due: dict[str, datetime] = field(default_factory=dict)
    provisional: bool = False

    def add(self, name: str, deadline: Deadline) -> None:
        self.due[name] = deadline.due_at
        self.provisional = self.provisional or deadline.provisional


def at_acceptance(policy: TimeLimitPolicy, calendar: WorkingCalendar, accepted_at: datetime) -> Deadlines:
    """R-10: the dispatch deadline of a newly accepted ticket."""
    result = Deadlines()
    result.add("dispatch_due_at", dispatch_deadline(policy, calendar, accepted_at))
    return result


def at_dispatch(
    policy: TimeLimitPolicy, calendar: WorkingCalendar, dispatched_at: datetime, *,
    category: str, enterprise_related: bool, special: str,
) -> Deadlines:
    """R-11 … R-15: every deadline that dispatch starts."""
    result = Deadlines()
    result.add("sign_due_at", sign_deadline(policy, calendar, dispatched_at))
    result.add("return_due_at", return_deadline(policy, calendar, dispatched_at))
    result.add("handle_due_at", handling_deadline(policy, calendar, dispatched_at, category=category,
                                                  enterprise_related=enterprise_related))
    if special != "none":
        result.add("first_response_due_at", first_response_deadline(policy, calendar, dispatched_at, level=special))
        result.add("progress_due_at", progress_deadline(policy, calendar, dispatched_at, level=special))
    return result


def at_redo(
    policy: TimeLimitPolicy, calendar: WorkingCalendar, redo_at: datetime, *, category: str,
    enterprise_related: bool,
) -> Deadlines:
    """R-18: a redo ticket gets the category's handling time again, counted from the redo."""
    result = Deadlines()
    result.add("handle_due_at", handling_deadline(policy, calendar, redo_at, category=category,
                                                  enterprise_related=enterprise_related))
    return result


def at_extension(calendar: WorkingCalendar, current_due: datetime, granted_days: int) -> Deadlines:
    """R-14: the handling deadline after an approved extension."""
    result = Deadlines()
    result.add("handle_due_at", extended_due(calendar, current_due, granted_days))
    return result


HANDLING_STATUSES = ("in_progress", "extension_requested")


def active_deadlines(
    status: str, values: dict[str, datetime | None], *, first_responded: bool, progress_reported: bool,
) -> dict[str, datetime]:
    """The deadlines that still bind a ticket in this status (the scheduler checks only these)."""
    if status in ("pending_dispatch", "returned"):
        names: tuple[str, ...] = ("dispatch_due_at",)
    elif status == "dispatched":
        names = ("sign_due_at", "handle_due_at", "first_response_due_at", "progress_due_at")
    elif status in HANDLING_STATUSES:
        names = ("handle_due_at", "first_response_due_at", "progress_due_at")
    else:
        return {}
    done = {"first_response_due_at": first_responded, "progress_due_at": progress_reported}
    return {name: values[name] for name in names if values.get(name) is not None and not done.get(name, False)}


@dataclass(frozen=True)
class OverdueState:
    kinds: tuple[str, ...]  # deadlines flagged overdue that still bind
    next_due_at: datetime | None  # earliest binding deadline not yet flagged
    newly_overdue: tuple[str, ...] = ()


def overdue_state(active: dict[str, datetime], flagged: Iterable[str], now: datetime, *,
                  flag_new: bool) -> OverdueState:
    """Which binding deadlines are overdue; with flag_new (the scheduler) passed ones get flagged now."""
    flagged = [k for k in flagged if k in active and active[k] <= now]
    new = [k for k, due in active.items() if due <= now and k not in flagged] if flag_new else []
    kinds = tuple(flagged + new)
    pending = [due for k, due in active.items() if k not in kinds]
    return OverdueState(kinds, min(pending) if pending else None, tuple(new))


def overdue_kind_name(deadline_field: str) -> str:
    """dispatch_due_at → overdue_dispatch (the supervision record kind)."""
    return "overdue_" + deadline_field.removesuffix("_due_at")
