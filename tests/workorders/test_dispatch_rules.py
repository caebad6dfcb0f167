"""Dispatch rules (R-07 … R-09), pure: suggestions and refusals."""
from __future__ import annotations

import pytest

from workorders.dispatch_rules import (
    DispatchPlan,
    DispatchRefused,
    Precedent,
    UnitFacts,
    check_dispatch,
    guess_domain,
    suggest,
)

CITY_GOV = UnitFacts(1, "CD-GOV", "成都市政府办", "government", "city", "510100", ("general",))
CITY_HOUSING = UnitFacts(2, "CD-ZJJ", "成都市住建局", "department", "city", "510100", ("housing",), 1, (1,))
DISTRICT_GOV = UnitFacts(3, "WH-GOV", "武侯区政府", "government", "county", "510107", ("general",), 1, (1,))
DISTRICT_HOUSING = UnitFacts(4, "WH-ZJJ", "武侯区住建局", "department", "county", "510107", ("housing", "transport"),
                             3, (3, 1))
STREET = UnitFacts(5, "WH-YL", "玉林街道", "government", "township", "510107003", ("general",), 3, (3, 1))
WATER = UnitFacts(6, "CD-WATER", "自来水公司", "enterprise", "city", "510100", ("water",), 2)
OTHER_DISTRICT = UnitFacts(7, "JJ-GOV", "锦江区政府", "government", "county", "510104", ("general",), 1, (1,))
CENTRE = UnitFacts(8, "C510100-12345", "成都12345", "hotline_centre", "city", "510100", ("general",))
DISTRICT_HOUSING_OFFICE = UnitFacts(9, "WH-ZJJ-1", "住建局科室", "department", "county", "510107", ("housing",), 4,
                                    (4, 3, 1))
UNITS = [CITY_GOV, CITY_HOUSING, DISTRICT_GOV, DISTRICT_HOUSING, STREET, WATER, OTHER_DISTRICT, CENTRE,
         DISTRICT_HOUSING_OFFICE]
BY_ID = {u.id: u for u in UNITS}


def plan(lead, co=(), **kw) -> DispatchPlan:
    return DispatchPlan(lead_unit_id=lead, co_unit_ids=tuple(co), region_code="510107003", **kw)


def test_functional_matter_is_never_pushed_down_to_the_street():
    with pytest.raises(DispatchRefused) as refused:
        check_dispatch(plan(STREET.id, domain="housing"), BY_ID)
    assert refused.value.reason == "functional_matter_to_grassroots"
    assert "乡镇街道" in refused.value.message
    check_dispatch(plan(DISTRICT_HOUSING.id, [STREET.id], domain="housing"), BY_ID)  # street may co-handle
    check_dispatch(plan(STREET.id, domain="general"), BY_ID)  # territorial matter: fine
    check_dispatch(plan(STREET.id, domain=None), BY_ID)


@pytest.mark.parametrize("target", [DISTRICT_HOUSING.id, DISTRICT_HOUSING_OFFICE.id])
def test_complaint_never_goes_to_the_complained_unit_or_inside_it(target):
    with pytest.raises(DispatchRefused) as refused:
        check_dispatch(plan(target, domain="housing", category="complaint", complained_unit_id=DISTRICT_HOUSING.id),
                       BY_ID)
    assert refused.value.reason == "complained_unit"
    with pytest.raises(DispatchRefused):
        check_dispatch(plan(DISTRICT_GOV.id, [target], complained_unit_id=DISTRICT_HOUSING.id), BY_ID)
    check_dispatch(plan(DISTRICT_GOV.id, category="complaint", complained_unit_id=DISTRICT_HOUSING.id), BY_ID)


@pytest.mark.parametrize(("lead", "co", "reason"), [
    (DISTRICT_HOUSING.id, [DISTRICT_HOUSING.id], "lead_is_co"),
    (DISTRICT_HOUSING.id, [STREET.id, STREET.id], "duplicate_co_unit"),
    (999, [], "unknown_unit"),
    (CENTRE.id, [], "not_a_handling_unit"),
])
def test_malformed_plans(lead, co, reason):
    with pytest.raises(DispatchRefused) as refused:
        check_dispatch(plan(lead, co), BY_ID)
    assert refused.value.reason == reason


def test_suggestions_by_territory_and_duty():
    found = suggest(units=UNITS, region_code="510107003", domain="housing")
    assert found[0].unit_id == DISTRICT_HOUSING.id and found[0].role == "lead"  # the nearest department first
    ids = [s.unit_id for s in found]
    assert CITY_HOUSING.id in ids and DISTRICT_GOV.id in ids
    assert OTHER_DISTRICT.id not in ids  # another district's government is not territorial here
    street = next(s for s in found if s.unit_id == STREET.id)
    assert street.role == "co"  # a street never leads a functional matter


def test_sector_regulator_is_suggested_with_the_enterprise():
    found = suggest(units=UNITS, region_code="510107", domain="water")
    assert found[0].unit_id == WATER.id
    assert any(s.unit_id == CITY_HOUSING.id and s.role == "co" for s in found)


def test_complaint_goes_to_the_oversight_body_first():
    found = suggest(units=UNITS, region_code="510107", domain="housing", complained_unit_id=DISTRICT_HOUSING.id)
    assert found[0].unit_id == DISTRICT_GOV.id
    assert DISTRICT_HOUSING.id not in [s.unit_id for s in found]
    assert DISTRICT_HOUSING_OFFICE.id not in [s.unit_id for s in found]


def test_precedent_wins_for_similar_matters_only():
    precedent = Precedent(id=11, domain="housing", region_prefix="510107", keywords=("二次", "供水", "设施"),
                          lead_unit_id=WATER.id, co_unit_ids=(DISTRICT_HOUSING.id,))
    similar = suggest(units=UNITS, region_code="510107003", domain="housing", tokens=["小区", "二次", "供水"],
                      precedents=[precedent])
    assert similar[0].unit_id == WATER.id and similar[0].precedent_id == 11
    other = suggest(units=UNITS, region_code="510107003", domain="housing", tokens=["电梯", "故障"],
                    precedents=[precedent])
    assert all(s.precedent_id is None for s in other)
    elsewhere = suggest(units=UNITS, region_code="510104", domain="housing", tokens=["二次", "供水"],
                        precedents=[precedent])
    assert all(s.precedent_id is None for s in elsewhere)


@pytest.mark.parametrize(("words", "domain"), [
    (["小区", "停水", "三天"], "water"),
    (["楼下", "烧烤", "油烟"], "environment"),
    (["公司", "拖欠", "工资"], "human_resources"),
    (["天气", "很好"], None),
])
def test_guess_domain(words, domain):
    assert guess_domain(words) == domain


@pytest.mark.parametrize(("code", "prefix"), [
    ("510107003", "510107"), ("510107", "510107"), ("510100", "5101"), ("510000", "51"), ("513400", "5134"),
])
def test_area_prefix(code, prefix):
    from workorders.dispatch_rules import area_prefix

    assert area_prefix(code) == prefix
