"""The pure cores: topic grouping (jieba + TF-IDF cosine) and the alert rules."""
from __future__ import annotations

from analytics.rules import AlertPolicy, Kind, Observation, alarming, baseline_per_window, decide, mask_phone
from analytics.topics import describe, group

WATER = ["武侯区玉林小区从早上开始停水，至今未恢复供水", "高新区天府三街某小区停水已经一天了", "武侯区簇桥停水两天，没有通知",
         "青羊区某小区突然停水"]
NOISE = ["成华区建设路商家夜间施工噪音扰民", "金牛区工地夜间施工噪音很大", "晚上十点以后还在施工，噪音严重影响休息"]


def test_requests_about_one_matter_share_a_topic_labelled_by_its_keyword():
    texts = [WATER[0], NOISE[0], WATER[1], "企业反映增值税发票申领流程问题", WATER[2], NOISE[1], WATER[3], NOISE[2]]
    assignments = group(texts, threshold=0.3)
    water = {assignments[i].topic for i, t in enumerate(texts) if t in WATER}
    noise = {assignments[i].topic for i, t in enumerate(texts) if t in NOISE}
    assert len(water) == 1 and len(noise) == 1 and water != noise
    label, keywords = describe([assignments[i].keywords for i, t in enumerate(texts) if t in WATER], fallback="?")
    assert label == "停水" and keywords[0] == "停水"
    assert "噪音" in describe([assignments[i].keywords for i, t in enumerate(texts) if t in NOISE], fallback="?")[0]


def test_known_topics_keep_their_key_across_evaluations():
    first = group(WATER[:2], threshold=0.3)
    later = group([WATER[3]], threshold=0.3, recent={first[0].topic: [list(a.keywords) for a in first]})
    assert later[0].topic == first[0].topic


POLICY = AlertPolicy(surge_min_tickets=10, surge_window_minutes=120, surge_factor=3.0)


def test_a_surge_needs_the_minimum_and_to_stand_well_above_the_usual_level():
    usual = baseline_per_window(84 * 4, POLICY)  # 4 a window over the last week
    assert usual == 4.0
    assert not alarming(Observation(Kind.SURGE, "k", "停水", 9), POLICY)
    assert alarming(Observation(Kind.SURGE, "k", "停水", 10), POLICY)
    assert not alarming(Observation(Kind.SURGE, "k", "停水", 11, baseline=usual), POLICY)
    assert alarming(Observation(Kind.SURGE, "k", "停水", 12, baseline=usual), POLICY)


def test_one_alert_per_episode_cleared_once_it_subsides():
    seen = {(Kind.SURGE, "k"): Observation(Kind.SURGE, "k", "停水", 12)}
    assert [o.key for o in decide([], seen, POLICY).raise_] == ["k"]
    again = decide([(Kind.SURGE, "k")], seen, POLICY)
    assert again.raise_ == [] and "k" in again.update
    lower = {(Kind.SURGE, "k"): Observation(Kind.SURGE, "k", "停水", 6)}
    assert "k" in decide([(Kind.SURGE, "k")], lower, POLICY).update  # hysteresis: 6 ≥ 5 keeps it
    assert "k" in decide([(Kind.SURGE, "k")], {}, POLICY).clear


def test_repeat_callers_and_collective_complaints_and_masking():
    assert alarming(Observation(Kind.REPEAT_CALLER, "x", "噪音", 3), POLICY)
    assert not alarming(Observation(Kind.REPEAT_CALLER, "x", "噪音", 2), POLICY)
    assert alarming(Observation(Kind.COLLECTIVE, "addr", "停水", 5), POLICY)
    assert mask_phone("13800001111") == "138****1111"


def test_place_names_are_not_topics_and_a_lone_ticket_joins_its_matter_once_it_recurs():
    from analytics.topics import place_names, regroup

    places = place_names(["双流区", "武侯区", "成都市"])
    assert {"双流", "武侯", "成都"} <= places
    first = group(["双流区东升街道某小区突然停水，没有提前通知"], threshold=0.3, places=places)[0]
    assert "双流" not in first.keywords and "·" in first.topic  # alone: named by its own leading words
    later = group(["双流区东升街道第二个小区突然停水"] * 2, threshold=0.3, places=places,
                  recent={first.topic: [list(first.keywords)]})
    assert {a.topic for a in later} == {"停水"}
    assert regroup({7: (first.topic, first.keywords)}, {"停水": 3}) == {7: "停水"}
