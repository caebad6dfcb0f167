"""Figures over call records (R-05, R-27): offered, answered, abandoned, answer rate, 15-s service level,
ASA, AHT, abandon rate, longest wait — per segment and per window. Pure: no database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.timeutil import BUSINESS_TZ
from stats.figures import (
    CENTRE,
    CallRecord,
    FigurePolicy,
    Outcome,
    Segment,
    SegmentCatalog,
    SegmentKind,
    agent_figures,
    compute_figures,
    day_start,
    figures_by_segment,
    half_hour_series,
    outcome,
    roll_up,
    windows,
)

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Sichuan
NOW = T0 + timedelta(minutes=30)


def call(id_: int, *, enter: float | None, answer: float | None = None, end: float | None = None,
         disposition: str | None = None, queue: str = "general", agent: str | None = None) -> CallRecord:
    """A call whose times are seconds after T0."""
    at = (lambda s: None if s is None else T0 + timedelta(seconds=s))
    if disposition is None:
        disposition = "answered" if answer is not None else ("abandoned" if end is not None else None)
    return CallRecord(id=id_, entered_queue_at=at(enter), answered_at=at(answer), ended_at=at(end),
                      disposition=disposition, queue=queue, agent=agent)


CALLS = [
    call(1, enter=0, answer=5, end=125, agent="1001"),  # answered in 5 s, talked 120 s
    call(2, enter=10, answer=40, end=100, agent="1002"),  # answered in 30 s, talked 60 s
    call(3, enter=20, end=23),  # abandoned after 3 s
    call(4, enter=30, end=90),  # abandoned after 60 s
    call(5, enter=None, end=40, disposition="ivr_ended"),  # never reached a queue
    call(6, enter=None, end=5, disposition="blocked"),
    call(7, enter=None, end=9, disposition="emergency"),
    call(8, enter=60, answer=75, agent="1001"),  # answered in 15 s (counts within 15 s), still talking
    call(9, enter=1700),  # still waiting at NOW: 100 s
    call(10, enter=1790),  # still waiting: 10 s
    call(11, enter=100, end=160, disposition="transferred"),  # left the queue unanswered another way
]


def test_each_figure_as_documented():
    f = compute_figures(CALLS, start=T0, end=NOW, now=NOW)
    assert (f.offered, f.answered, f.abandoned, f.unanswered) == (6, 3, 2, 1)
    assert f.answer_rate == pytest.approx(3 / 6)
    assert f.abandon_rate == pytest.approx(2 / 6)
    assert f.service_level == pytest.approx(2 / 3)  # 5 s and 15 s within, 30 s not
    assert f.average_speed_of_answer == pytest.approx((5 + 30 + 15) / 3)
    assert f.average_handle_time == pytest.approx((120 + 60) / 2)  # call 8 has not ended
    assert f.waiting == 2 and f.longest_wait_seconds == pytest.approx(100)


def test_short_abandons_are_left_out_when_configured():
    default = compute_figures(CALLS, start=T0, end=NOW, now=NOW)
    strict = compute_figures(CALLS, start=T0, end=NOW, now=NOW, policy=FigurePolicy(short_abandon_seconds=5))
    assert default.short_abandoned == 0
    assert (strict.offered, strict.abandoned, strict.short_abandoned) == (5, 1, 1)
    assert strict.answer_rate == pytest.approx(3 / 5)


def test_nothing_offered_gives_null_rates():
    f = compute_figures([call(1, enter=None, end=3, disposition="ivr_ended")], start=T0, end=NOW, now=NOW)
    assert f.offered == 0 and f.answer_rate is None and f.service_level is None
    d = f.as_dict()
    assert d["answer_rate"] is None and d["offered"] == 0


def test_window_is_by_queue_entry_and_half_open():
    f = compute_figures(CALLS, start=T0 + timedelta(seconds=10), end=T0 + timedelta(seconds=30), now=NOW)
    assert (f.offered, f.answered, f.abandoned) == (2, 1, 1)  # calls 2 and 3; call 4 entered at the end bound


def test_outcome_as_of_now_and_stale_records():
    answered_later = call(1, enter=0, answer=600)
    assert outcome(answered_later, now=T0 + timedelta(seconds=10), policy=FigurePolicy()) is Outcome.WAITING
    assert outcome(answered_later, now=NOW, policy=FigurePolicy()) is Outcome.ANSWERED
    lost = call(2, enter=0)  # a record never closed (crash): not a caller waiting for hours
    assert outcome(lost, now=T0 + timedelta(hours=5), policy=FigurePolicy()) is Outcome.NOT_OFFERED


def test_segments_queue_expert_group_sub_centre_and_agents():
    catalog = SegmentCatalog(expert_group_of_queue={"expert-hr": "SC-RST"}, sub_centre_of_queue={"12333": "SC-12345-RS"})
    calls = [call(1, enter=0, answer=5, end=60, queue="general", agent="1001"),
             call(2, enter=5, answer=20, end=80, queue="expert-hr", agent="2001"),
             call(3, enter=6, end=70, queue="expert-hr"),
             call(4, enter=7, answer=9, end=50, queue="12333", agent="1002")]
    result = figures_by_segment(calls, catalog=catalog, start=T0, end=NOW, now=NOW)
    assert result[CENTRE].offered == 4 and result[CENTRE].answered == 3
    expert = result[Segment(SegmentKind.EXPERT_GROUP, "SC-RST")]
    assert (expert.offered, expert.answered, expert.answer_rate) == (2, 1, 0.5)
    assert result[Segment(SegmentKind.QUEUE, "expert-hr")].offered == 2
    assert result[Segment(SegmentKind.SUB_CENTRE, "SC-12345-RS")].answer_rate == 1.0
    agents = agent_figures(calls, start=T0, end=NOW, now=NOW)
    assert set(agents) == {"1001", "2001", "1002"}
    assert agents["2001"].average_speed_of_answer == 15 and agents["2001"].average_handle_time == 60


def test_segment_ids_round_trip():
    segment = Segment(SegmentKind.SUB_CENTRE, "SC-12345-RS")
    assert Segment.parse(segment.id) == segment
    for bad in ("queue", "queue:", "nonsense:x"):
        with pytest.raises(ValueError):
            Segment.parse(bad)


def test_windows_and_today_in_business_time():
    now = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in Sichuan
    w = windows(now, BUSINESS_TZ)
    assert w["15m"] == (now - timedelta(minutes=15), now)
    assert w["1h"][0] == now - timedelta(hours=1)
    assert w["today"][0] == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight +08:00
    assert day_start(now, BUSINESS_TZ).utcoffset() == timedelta(hours=8)


def test_half_hour_series_of_today():
    start = day_start(NOW, BUSINESS_TZ)  # 00:00 local = 16:00 UTC the day before
    calls = [call(1, enter=0, answer=3, end=10), call(2, enter=60, end=70), call(3, enter=1790, answer=1795, end=1799)]
    series = half_hour_series(calls, start=start, end=NOW, now=NOW)
    assert len(series) == 21  # 00:00 … 10:00 local, the last half hour partial
    assert all(f.offered == 0 for _, f in series[:20])
    slot_start, last = series[20]
    assert slot_start == T0 and (last.offered, last.answered) == (3, 2)
    queue_only = half_hour_series(calls, start=start, end=NOW, now=NOW, segment=Segment(SegmentKind.QUEUE, "other"))
    assert all(f.offered == 0 for _, f in queue_only)


def test_expert_queues_by_prefix_and_roll_up_equals_one_pass():
    catalog = SegmentCatalog(sub_centre_of_queue={"hr": "SC-12345-RS"})
    assert catalog.expert_group("expert:housing") == "housing" and catalog.expert_group("expert:") is None
    assert catalog.expert_group("general") is None
    calls = [*CALLS, call(20, enter=3, answer=4, end=9, queue="expert:housing"), call(21, enter=4, end=8, queue="hr")]
    direct = figures_by_segment(calls, catalog=catalog, start=T0, end=NOW, now=NOW)
    per_queue = {q: compute_figures([c for c in calls if c.queue == q], start=T0, end=NOW, now=NOW)
                 for q in {c.queue for c in calls}}
    assert {s: f.as_dict() for s, f in roll_up(per_queue, catalog).items()} == {s: f.as_dict() for s, f in direct.items()}
