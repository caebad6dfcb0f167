"""The answer-rate alarm state machine (R-05, R-24, R-34): raised once below 95 % with enough calls,
kept while the shortfall lasts, cleared when the rate recovers. Pure: no database."""
from __future__ import annotations

from stats.alarms import AlarmPolicy, Verdict, breaching, judge, raise_message
from stats.figures import Figures, Segment, SegmentKind

POLICY = AlarmPolicy(threshold=0.95, min_offered=20)


def figures(offered: int, answered: int) -> Figures:
    return Figures(offered=offered, answered=answered, abandoned=offered - answered)


def test_raise_needs_enough_calls_and_a_shortfall():
    assert judge(alarming=False, figures=figures(19, 10), policy=POLICY) is Verdict.KEEP  # too few calls
    assert judge(alarming=False, figures=figures(20, 19), policy=POLICY) is Verdict.KEEP  # exactly 95 %
    assert judge(alarming=False, figures=figures(20, 18), policy=POLICY) is Verdict.RAISE
    assert judge(alarming=False, figures=figures(0, 0), policy=POLICY) is Verdict.KEEP


def test_an_alarm_is_raised_once_then_kept_until_recovery():
    history = [figures(20, 18), figures(25, 20), figures(30, 27), figures(40, 38), figures(40, 37)]
    alarming, verdicts = False, []
    for f in history:
        verdict = judge(alarming=alarming, figures=f, policy=POLICY)
        verdicts.append(verdict)
        alarming = {Verdict.RAISE: True, Verdict.CLEAR: False}.get(verdict, alarming)
    assert verdicts == [Verdict.RAISE, Verdict.KEEP, Verdict.KEEP, Verdict.CLEAR, Verdict.RAISE]


def test_clears_when_the_window_empties_and_respects_a_margin():
    assert judge(alarming=True, figures=figures(0, 0), policy=POLICY) is Verdict.CLEAR
    sticky = AlarmPolicy(threshold=0.95, min_offered=20, clear_margin=0.02)
    assert judge(alarming=True, figures=figures(100, 96), policy=sticky) is Verdict.KEEP
    assert judge(alarming=True, figures=figures(100, 97), policy=sticky) is Verdict.CLEAR
    assert judge(alarming=True, figures=figures(5, 4), policy=POLICY) is Verdict.KEEP  # few calls, still short


def test_min_offered_zero_still_needs_one_call():
    assert not breaching(figures(0, 0), AlarmPolicy(min_offered=0))
    assert breaching(figures(1, 0), AlarmPolicy(min_offered=0))


def test_notice_names_the_segment_in_chinese():
    text = raise_message(Segment(SegmentKind.SUB_CENTRE, "SC-12345-RS"), "12333人社服务分中心", figures(20, 18), POLICY)
    assert "分中心「12333人社服务分中心」" in text and "90.0%" in text and "低于 95%" in text
