"""The pure cores of quality inspection: scoring on a weighted form with fatal items, and the
weekly draw (N random per agent, every complaint / dissatisfied / flagged call)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quality.sampling import Candidate, draw, week_bounds, week_of
from quality.scoring import InvalidAnswers, InvalidForm, check_items, score

FORM = [{"key": "greeting", "label": "开头语", "points": 10, "fatal": False},
        {"key": "answer", "label": "解答准确", "points": 30, "fatal": False},
        {"key": "abuse", "label": "辱骂来电人", "points": 0, "fatal": True}]


def test_points_are_weighted_to_a_hundred():
    assert score(FORM, {"greeting": 10, "answer": 30, "abuse": False}).total == 100.0
    assert score(FORM, {"greeting": 5, "answer": 15, "abuse": False}).total == 50.0
    assert score(FORM, {"greeting": 10, "answer": 0, "abuse": False}).total == 25.0  # weights, not item counts


def test_a_violated_fatal_item_zeroes_the_score():
    result = score(FORM, {"greeting": 10, "answer": 30, "abuse": True})
    assert (result.total, result.fatal, result.violated) == (0.0, True, ["abuse"])


@pytest.mark.parametrize("answers, message", [
    ({"greeting": 10, "abuse": False}, "未评"),
    ({"greeting": 10, "answer": 31, "abuse": False}, "0–30"),
    ({"greeting": -1, "answer": 3, "abuse": False}, "0–10"),
    ({"greeting": 1, "answer": 3, "abuse": 1}, "是/否"),
    ({"greeting": True, "answer": 3, "abuse": False}, "0–10"),
    ({"greeting": 1, "answer": 3, "abuse": False, "extra": 1}, "未知"),
])
def test_bad_answers_are_refused(answers, message):
    with pytest.raises(InvalidAnswers, match=message):
        score(FORM, answers)


def test_a_form_must_be_usable():
    check_items(FORM)
    with pytest.raises(InvalidForm):
        check_items([*FORM, {"key": "greeting", "label": "again", "points": 1}])
    with pytest.raises(InvalidForm):
        check_items([{"key": "abuse", "label": "x", "points": 5, "fatal": True}, FORM[0]])
    with pytest.raises(InvalidForm):
        check_items([FORM[2]])  # nothing to score


def test_weeks_are_iso_weeks_in_beijing_time():
    assert week_of(datetime(2026, 11, 29, 15, 59, tzinfo=UTC)) == "2026-W48"  # Sunday 23:59 in Beijing
    assert week_of(datetime(2026, 11, 29, 16, 0, tzinfo=UTC)) == "2026-W49"  # Monday 00:00 in Beijing
    start, end = week_bounds("2026-W49")
    assert start == datetime(2026, 11, 29, 16, 0, tzinfo=UTC) and (end - start).days == 7
    with pytest.raises(ValueError):
        week_bounds("2026-49")


def test_the_draw_takes_n_per_agent_and_every_marked_call_and_tops_up():
    calls = [Candidate(i, 1 + i % 2, "510100") for i in range(1, 21)]
    calls[2] = Candidate(3, 2, "510100", complaint=True)
    calls[5] = Candidate(6, 1, "510100", dissatisfied=True)
    calls[8] = Candidate(9, 2, "510100", flagged=True)
    first = draw("2026-W49", calls, [], per_agent=3)
    assert {(d.call_id, d.reason) for d in first if d.reason != "random"} == {
        (3, "complaint"), (6, "dissatisfied"), (9, "keyword")}
    randoms = [d for d in first if d.reason == "random"]
    assert sorted(d.agent_id for d in randoms) == [1, 1, 1, 2, 2, 2]
    assert not {d.call_id for d in randoms} & {3, 6, 9}
    assert draw("2026-W49", calls, [], per_agent=3) == first  # reproducible
    already = [(d.call_id, d.agent_id, d.reason) for d in first]
    assert draw("2026-W49", calls, already, per_agent=3) == []  # drawing again adds nothing
    assert [d.reason for d in draw("2026-W49", [*calls, Candidate(99, 1, "510100", complaint=True)], already, 3)] \
        == ["complaint"]  # a complaint found later is still drawn
    assert len([d for d in draw("2026-W49", calls, already, per_agent=4) if d.reason == "random"]) == 2
