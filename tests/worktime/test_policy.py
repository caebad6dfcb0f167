"""The 第十三条 time-limit policy: figures, storage form, deadlines and extension rules."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace
from datetime import datetime

import pytest

from worktime.calendar import SHANGHAI, Deadline, WorkingCalendar
from worktime.holidays import published_day_kinds
from worktime.policy import (
    DEFAULT_POLICY,
    Category,
    ExtensionRefused,
    RefusalReason,
    SpecialLevel,
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

CAL = WorkingCalendar(
    {**published_day_kinds(2025), **published_day_kinds(2026)},
    known_years={2025, 2026},
    first_year=2025,
    last_year=2026,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware Shanghai datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("category", "enterprise_related", "days"),
    [
        (Category.CONSULTATION, False, 5),
        (Category.HELP, False, 7),
        (Category.SUGGESTION, False, 7),
        (Category.COMPLAINT, False, 15),
        (Category.REPORT, False, 15),
        (Category.CONSULTATION, True, 3),
        (Category.HELP, True, 5),
        (Category.SUGGESTION, True, 5),
        (Category.COMPLAINT, True, 10),
        (Category.REPORT, True, 10),  # not in the measures: the complaint figure applies
        ("complaint", True, 10),  # stored strings are accepted
    ],
)
def test_handling_working_days(category, enterprise_related, days):
    assert handling_working_days(DEFAULT_POLICY, category, enterprise_related) == days


def test_default_policy_figures():
    p = DEFAULT_POLICY
    assert (p.dispatch_working_hours, p.sign_working_days, p.return_window_working_days) == (3, 1, 2)
    assert (p.extension_max_working_days, p.extension_major_total_max_working_days) == (15, 40)
    assert p.extension_request_lead_working_days == 1
    assert p.non_extendable_categories == {Category.CONSULTATION} and p.redo_extendable is False
    assert (p.special.first_response_hours, p.special.progress_working_days) == (4, 3)
    assert (p.special_urgent.first_response_hours, p.special_urgent.progress_working_days) == (2, 2)


def test_policy_survives_a_json_round_trip():
    stored = json.dumps(policy_to_dict(DEFAULT_POLICY))
    assert policy_from_dict(json.loads(stored)) == DEFAULT_POLICY


def test_an_edited_policy_parses():
    data = policy_to_dict(DEFAULT_POLICY)
    data["version"] = "chengdu-2026-1"
    data["handling_working_days"]["complaint"] = 12
    data["extension_request_lead_working_days"] = 0
    data["non_extendable_categories"] = []
    policy = policy_from_dict(data)
    assert handling_working_days(policy, Category.COMPLAINT, False) == 12
    assert policy.non_extendable_categories == frozenset()
    assert policy.version == "chengdu-2026-1"


def _without(key):
    return lambda d: d.pop(key)


def _set(path, value):
    def mutate(d):
        *parents, last = path.split(".")
        for parent in parents:
            d = d[parent]
        d[last] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_without("version"), r"policy: missing keys \['version'\]"),
        (_set("deadline_colour", "red"), r"unknown keys \['deadline_colour'\]"),
        (_set("version", " "), "version must be a non-empty string"),
        (_set("dispatch_working_hours", 0), "dispatch_working_hours must be a number of hours above 0"),
        (_set("dispatch_working_hours", "3"), "dispatch_working_hours"),
        (_set("dispatch_working_hours", math.nan), "dispatch_working_hours"),
        (_set("sign_working_days", True), "sign_working_days must be an integer"),
        (_set("sign_working_days", 1.5), "sign_working_days must be an integer"),
        (
            _set("return_window_working_days", 500),
            "return_window_working_days must be an integer from 1 to 250",
        ),
        (_set("extension_request_lead_working_days", -1), "extension_request_lead_working_days"),
        (_set("handling_working_days.report", 0), "handling_working_days.report must be an integer"),
        (
            lambda d: d["handling_working_days"].pop("report"),
            r"handling_working_days: missing keys \['report'\]",
        ),
        (_set("enterprise_handling_working_days", 10), "enterprise_handling_working_days must be an object"),
        (_set("non_extendable_categories", ["bogus"]), "unknown category"),
        (_set("non_extendable_categories", "consultation"), "must be a list"),
        (_set("extension_major_total_max_working_days", 10), "must be at least extension_max_working_days"),
        (_set("special.first_response_hours", -1), "special.first_response_hours"),
        (_set("special_urgent.progress_working_days", 0), "special_urgent.progress_working_days"),
        (_set("redo_extendable", "no"), "redo_extendable must be true or false"),
    ],
)
def test_bad_policies_are_refused_with_a_clear_message(mutate, message):
    data = copy.deepcopy(policy_to_dict(DEFAULT_POLICY))
    mutate(data)
    with pytest.raises(ValueError, match=message):
        policy_from_dict(data)


def test_non_mapping_policy_is_refused():
    with pytest.raises(ValueError, match="policy must be an object"):
        policy_from_dict([])  # type: ignore[arg-type]


def test_direct_construction_is_validated_too():
    with pytest.raises(ValueError, match="sign_working_days"):
        TimeLimitPolicy(version="x", sign_working_days=0)


# --- deadlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("compute", "due"),
    [
        # 3 working hours, across Spring Festival 2025.
        (lambda: dispatch_deadline(DEFAULT_POLICY, CAL, at(2025, 1, 27, 16)), at(2025, 2, 5, 10, 30)),
        # 1 WD, onto the Saturday make-up day of 2026.
        (lambda: sign_deadline(DEFAULT_POLICY, CAL, at(2026, 2, 13, 11)), at(2026, 2, 14, 17, 30)),
        # R-12 from Fri 2025-01-24: 调休 Sun Jan 26 counts, Jan 28–Feb 4 does not.
        (
            lambda: handling_deadline(
                DEFAULT_POLICY,
                CAL,
                at(2025, 1, 24, 10),
                category=Category.COMPLAINT,
                enterprise_related=False,
            ),
            at(2025, 2, 20, 17, 30),
        ),
        (
            lambda: handling_deadline(
                DEFAULT_POLICY, CAL, at(2025, 1, 24, 10), category=Category.COMPLAINT, enterprise_related=True
            ),
            at(2025, 2, 13, 17, 30),
        ),
        (
            lambda: handling_deadline(
                DEFAULT_POLICY, CAL, at(2025, 1, 24, 10), category="consultation", enterprise_related=False
            ),
            at(2025, 2, 7, 17, 30),
        ),
        (
            lambda: handling_deadline(
                DEFAULT_POLICY,
                CAL,
                at(2025, 1, 24, 10),
                category=Category.CONSULTATION,
                enterprise_related=True,
            ),
            at(2025, 2, 5, 17, 30),
        ),
        # 2 WD over National Day 2025.
        (lambda: return_deadline(DEFAULT_POLICY, CAL, at(2025, 9, 30, 10)), at(2025, 10, 10, 17, 30)),
        # first response in plain hours, even on a holiday night; progress in WD.
        (
            lambda: first_response_deadline(
                DEFAULT_POLICY, CAL, at(2025, 10, 1, 22), level=SpecialLevel.SPECIAL
            ),
            at(2025, 10, 2, 2),
        ),
        (
            lambda: first_response_deadline(DEFAULT_POLICY, CAL, at(2025, 10, 1, 22), level="special_urgent"),
            at(2025, 10, 2, 0),
        ),
        (
            lambda: progress_deadline(DEFAULT_POLICY, CAL, at(2025, 10, 1, 22), level=SpecialLevel.SPECIAL),
            at(2025, 10, 11, 17, 30),
        ),
        (
            lambda: progress_deadline(
                DEFAULT_POLICY, CAL, at(2025, 10, 1, 22), level=SpecialLevel.SPECIAL_URGENT
            ),
            at(2025, 10, 10, 17, 30),
        ),
        (lambda: extended_due(CAL, at(2025, 2, 20, 17, 30), 5), at(2025, 2, 27, 17, 30)),
    ],
)
def test_step_deadlines(compute, due):
    assert compute() == Deadline(due, False)


# --- extensions (R-14) --------------------------------------------------------

DUE = at(2025, 3, 20, 17, 30)  # a Thursday
REQUEST = {
    "category": Category.COMPLAINT,
    "is_redo": False,
    "current_due": DUE,
    "requested_days": 5,
    "already_extended_days": 0,
    "major": False,
    "now": at(2025, 3, 10, 10),
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"requested_days": 15},
        {"already_extended_days": 10, "requested_days": 5},
        {"major": True, "requested_days": 16},
        {"major": True, "already_extended_days": 25, "requested_days": 15},
        {"now": at(2025, 3, 19, 17, 30)},  # exactly one working day before the due time
        {"now": at(2025, 3, 20, 8)},  # before opening on the due day: a whole WD still lies ahead
    ],
)
def test_extension_requests_allowed(changes):
    assert check_extension_request(DEFAULT_POLICY, CAL, **{**REQUEST, **changes}) is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"category": Category.CONSULTATION}, RefusalReason.NOT_EXTENDABLE_CATEGORY),
        ({"is_redo": True}, RefusalReason.REDO_TICKET),
        ({"requested_days": 0}, RefusalReason.INVALID_DAYS),
        ({"now": at(2025, 3, 20, 9, 1)}, RefusalReason.TOO_LATE),  # 6 h 59 min left
        ({"now": at(2025, 3, 20, 14)}, RefusalReason.TOO_LATE),
        ({"now": at(2025, 3, 21, 10)}, RefusalReason.TOO_LATE),  # already overdue
        ({"requested_days": 16}, RefusalReason.OVER_LIMIT),
        ({"already_extended_days": 10, "requested_days": 6}, RefusalReason.OVER_LIMIT),
        ({"major": True, "already_extended_days": 30, "requested_days": 11}, RefusalReason.OVER_MAJOR_LIMIT),
    ],
)
def test_extension_requests_refused(changes, reason):
    with pytest.raises(ExtensionRefused) as refused:
        check_extension_request(DEFAULT_POLICY, CAL, **{**REQUEST, **changes})
    assert refused.value.reason is reason
    assert refused.value.message


def test_policy_can_allow_what_the_default_refuses():
    lenient = replace(
        DEFAULT_POLICY, version="lenient", redo_extendable=True, non_extendable_categories=frozenset()
    )
    check_extension_request(lenient, CAL, **{**REQUEST, "is_redo": True})
    check_extension_request(lenient, CAL, **{**REQUEST, "category": Category.CONSULTATION})


def test_extension_check_rejects_a_naive_now():
    with pytest.raises(ValueError, match="naive"):
        check_extension_request(DEFAULT_POLICY, CAL, **{**REQUEST, "now": datetime(2025, 3, 10, 10)})
