"""Deadline assignment per step (R-10 … R-15, R-18) and overdue bookkeeping, pure."""
from __future__ import annotations

from datetime import datetime

import pytest

from workorders import deadlines
from worktime import DEFAULT_POLICY, SHANGHAI, WorkingCalendar

CAL = WorkingCalendar({}, known_years=range(2020, 2031), first_year=2020, last_year=2030)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_acceptance_sets_only_the_dispatch_limit():
    timed = deadlines.at_acceptance(DEFAULT_POLICY, CAL, at(2026, 3, 2, 16, 0))  # Monday 16:00
    assert timed.due == {"dispatch_due_at": at(2026, 3, 3, 10, 30)}  # 1.5 h Monday + 1.5 h Tuesday
    assert timed.provisional is False


@pytest.mark.parametrize(("category", "enterprise", "days", "due"), [
    ("consultation", False, 5, at(2026, 3, 9, 17, 30)),
    ("help", False, 7, at(2026, 3, 11, 17, 30)),
    ("complaint", False, 15, at(2026, 3, 23, 17, 30)),
    ("complaint", True, 10, at(2026, 3, 16, 17, 30)),
])
def test_dispatch_starts_sign_return_and_handling(category, enterprise, days, due):
    timed = deadlines.at_dispatch(DEFAULT_POLICY, CAL, at(2026, 3, 2, 10, 0), category=category,
                                  enterprise_related=enterprise, special="none")
    assert set(timed.due) == {"sign_due_at", "return_due_at", "handle_due_at"}
    assert timed.due["sign_due_at"] == at(2026, 3, 3, 17, 30)
    assert timed.due["return_due_at"] == at(2026, 3, 4, 17, 30)
    assert timed.due["handle_due_at"] == due


@pytest.mark.parametrize(("special", "first", "progress"), [
    ("special", at(2026, 3, 6, 21, 0), at(2026, 3, 11, 17, 30)),  # Friday 17:00 + 4 calendar hours
    ("special_urgent", at(2026, 3, 6, 19, 0), at(2026, 3, 10, 17, 30)),
])
def test_special_matters_get_first_response_and_progress(special, first, progress):
    timed = deadlines.at_dispatch(DEFAULT_POLICY, CAL, at(2026, 3, 6, 17, 0), category="help",
                                  enterprise_related=False, special=special)
    assert timed.due["first_response_due_at"] == first
    assert timed.due["progress_due_at"] == progress


def test_redo_and_extension_move_the_handling_limit():
    assert deadlines.at_redo(DEFAULT_POLICY, CAL, at(2026, 3, 2, 10, 0), category="consultation",
                             enterprise_related=False).due["handle_due_at"] == at(2026, 3, 9, 17, 30)
    assert deadlines.at_extension(CAL, at(2026, 3, 9, 17, 30), 3).due["handle_due_at"] == at(2026, 3, 12, 17, 30)


def test_active_deadlines_follow_the_status():
    values = {name: at(2026, 3, 2, 9, 0) for name in deadlines.DEADLINE_FIELDS}
    assert set(deadlines.active_deadlines("pending_dispatch", values, first_responded=False,
                                          progress_reported=False)) == {"dispatch_due_at"}
    assert set(deadlines.active_deadlines("dispatched", values, first_responded=True, progress_reported=False)) == {
        "sign_due_at", "handle_due_at", "progress_due_at"}
    assert set(deadlines.active_deadlines("in_progress", values, first_responded=True, progress_reported=True)) == {
        "handle_due_at"}
    assert deadlines.active_deadlines("closed", values, first_responded=False, progress_reported=False) == {}


def test_overdue_state_flags_once_and_points_at_the_next_deadline():
    active = {"sign_due_at": at(2026, 3, 3, 17, 30), "handle_due_at": at(2026, 3, 11, 17, 30)}
    now = at(2026, 3, 4, 9, 0)
    quiet = deadlines.overdue_state(active, [], now, flag_new=False)
    assert quiet.kinds == () and quiet.next_due_at == at(2026, 3, 3, 17, 30)
    flagged = deadlines.overdue_state(active, [], now, flag_new=True)
    assert flagged.newly_overdue == ("sign_due_at",) and flagged.next_due_at == at(2026, 3, 11, 17, 30)
    again = deadlines.overdue_state(active, flagged.kinds, now, flag_new=True)
    assert again.newly_overdue == () and again.kinds == ("sign_due_at",)
    moved = deadlines.overdue_state({"handle_due_at": at(2026, 3, 20, 17, 30)}, ["handle_due_at"], now, flag_new=True)
    assert moved.kinds == () and moved.next_due_at == at(2026, 3, 20, 17, 30)  # an extension clears the flag
