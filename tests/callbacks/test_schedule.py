"""The survey's pure rules (callbacks.schedule): calling window, tries, sampling, outcomes, SMS replies."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callbacks import schedule

WINDOW = schedule.parse_window("09:00-12:00,14:00-20:00")


def bj(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=schedule.BEIJING)


def test_the_window_is_beijing_time_and_the_next_opening_is_found():
    assert WINDOW.open_at(bj(9)) and WINDOW.open_at(bj(19, 59)) and not WINDOW.open_at(bj(12, 30))
    assert WINDOW.open_at(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    assert WINDOW.next_open(bj(12, 30)) == bj(14)
    assert WINDOW.next_open(bj(21)) == bj(9, day=2)
    assert WINDOW.next_open(bj(10)) == bj(10)
    always = schedule.parse_window("00:00-24:00")
    assert all(always.open_at(bj(h)) for h in range(24))


@pytest.mark.parametrize("text", ["", "9-12", "12:00-09:00", "10:00-25:00", "aa:bb-cc:dd", "10:61-11:00"])
def test_a_bad_window_is_refused(text):
    with pytest.raises(schedule.BadSetting):
        schedule.parse_window(text)


def test_first_try_after_the_delay_inside_the_window():
    assert schedule.first_due(bj(11, 50), 30, WINDOW) == bj(14)
    assert schedule.first_due(bj(10), 30, WINDOW) == bj(10, 30)


def test_busy_and_no_answer_are_retried_until_the_attempts_are_spent():
    now = bj(19, 30)
    again = schedule.after_try("busy", attempts=1, max_attempts=3, now=now, retry_minutes=60, window=WINDOW)
    assert again == schedule.AfterTry("scheduled", bj(9, day=2))  # 20:30 is outside: next morning
    assert schedule.after_try("no_answer", attempts=3, max_attempts=3, now=now, retry_minutes=60,
                              window=WINDOW).status == "unreached"
    assert schedule.after_try("answered", attempts=1, max_attempts=3, now=now, retry_minutes=60,
                              window=WINDOW).status == "done"


def test_sampling_per_region_by_longest_prefix_and_reproducible():
    shares = schedule.parse_shares("510100=1 510700=0.3, 510703=0")
    assert schedule.share_for(shares, "510107") == 1.0
    assert schedule.share_for(shares, "510722") == 0.3  # 510700: Mianyang's districts (prefix 5107)
    assert schedule.share_for(shares, "510703") == 0.0  # the longest prefix decides
    assert schedule.share_for(shares, "520100") == 1.0  # not configured: every ticket
    drawn = [schedule.sampled(i, 1, 0.3) for i in range(2000)]
    assert drawn == [schedule.sampled(i, 1, 0.3) for i in range(2000)]
    assert 0.25 < sum(drawn) / len(drawn) < 0.35
    assert not schedule.sampled(1, 1, 0.0) and schedule.sampled(1, 1, 1.0)
    with pytest.raises(schedule.BadSetting):
        schedule.parse_shares("510100=1.5")


@pytest.mark.parametrize(("answers", "outcome"), [
    ({"speed": "1", "resolution": "1", "overall": "1"}, "satisfied"),
    ({"speed": "3", "resolution": "2", "overall": "2"}, "satisfied"),
    ({"speed": "3", "resolution": "3", "overall": "3"}, "dissatisfied_reasonable"),
    ({"speed": "1", "resolution": "1", "overall": "3"}, "dissatisfied_unreasonable"),
    ({"speed": "1", "resolution": "1"}, "no_evaluation"),
    ({}, "no_evaluation"),
])
def test_the_answers_decide_the_callback_result(answers, outcome):
    assert schedule.outcome_of(answers) == outcome


@pytest.mark.parametrize(("text", "parsed"), [
    ("1", {"overall": "1"}), (" 满意 2 ", {"overall": "2"}), ("1 2 3", {"speed": "1", "resolution": "2", "overall": "3"}),
    ("113", {"speed": "1", "resolution": "1", "overall": "3"}), ("4", None), ("12", None), ("好", None), ("", None),
])
def test_sms_replies(text, parsed):
    assert schedule.parse_sms_reply(text) == parsed


def test_missed_call_due():
    assert schedule.missed_due(bj(10), 120) == bj(10) + timedelta(hours=2)
