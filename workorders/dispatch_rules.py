"""Dispatch rules of 第十二条 (R-07 … R-09), pure: unit facts in, suggestions or a refusal out.

属地管理 (territorial), 按职承办 (by statutory duty), 行业主管 (sector regulator). A matter
of a functional department is never pushed down to a township/street (乡镇街道); a
complaint about a unit never goes to that unit (or a unit under it) but to its oversight
body; a recorded coordination decision (precedent) is followed by later similar matters.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from access.scope import region_prefix

GENERAL = "general"
NOT_DISPATCHABLE_KINDS = frozenset({"hotline_centre"})
GRASSROOTS_LEVEL = "township"

# A few words that reveal a matter's duty domain when the agent did not pick one.
DOMAIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "water": ("停水", "自来水", "水压", "水质", "供水", "水管"),
    "power": ("停电", "供电", "电压", "电表", "断电"),
    "gas": ("燃气", "天然气", "停气", "煤气"),
    "housing": ("物业", "房屋", "住房", "装修", "维修基金", "业委会", "电梯"),
    "transport": ("公交", "出租车", "道路", "网约车", "地铁"),
    "environment": ("噪音", "噪声", "污染", "排污", "异味", "油烟", "扬尘"),
    "market": ("商家", "消费", "退款", "假货", "价格", "食品安全", "虚假宣传"),
    "human_resources": ("工资", "欠薪", "社保", "劳动合同", "养老保险"),
    "urban_management": ("占道", "违建", "垃圾", "摊贩", "井盖"),
    "medical_insurance": ("医保", "报销"),
    "education": ("学校", "入学", "学位", "培训机构"),
    "health": ("医院", "疫苗", "卫生院"),
    "taxation": ("税", "发票"),
}


@dataclass(frozen=True)
class UnitFacts:
    """What the rules need to know about one organisation unit."""

    id: int
    code: str
    name: str
    kind: str
    level: str
    region_code: str
    domains: tuple[str, ...] = ()
    oversight_unit_id: int | None = None
    ancestor_ids: tuple[int, ...] = ()  # parent, grandparent … (R-09: units inside a complained unit)
    active: bool = True

    def covers(self, ticket_region: str) -> bool:
        """True when the ticket's place lies in this unit's territory."""
        return ticket_region.startswith(region_prefix(self.region_code, self.level))


@dataclass(frozen=True)
class Precedent:
    """A recorded coordination decision (R-08): similar matters follow it and may not be returned."""

    id: int
    domain: str | None
    region_prefix: str
    keywords: tuple[str, ...]
    lead_unit_id: int
    co_unit_ids: tuple[int, ...] = ()

    def matches(self, *, region_code: str, domain: str | None, tokens: Iterable[str]) -> bool:
        """Same territory, same domain (when both known) and a shared keyword (when it has any)."""
        if not region_code.startswith(self.region_prefix):
            return False
        if self.domain and domain and self.domain != domain:
            return False
        if not self.keywords:
            return True
        shared = set(self.keywords) & set(tokens)
        return len(shared) >= max(1, (len(set(self.keywords)) + 1) // 2)  # at least half the keywords


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    role: str  # lead | co
    reason: str
    score: float
    precedent_id: int | None = None


@dataclass(frozen=True)
class DispatchPlan:
    lead_unit_id: int
    co_unit_ids: tuple[int, ...] = ()
    domain: str | None = None
    category: str = "help"
    region_code: str = ""
    complained_unit_id: int | None = None


class DispatchRefused(Exception):
    """A dispatch the rules forbid; `reason` is a stable code for clients."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class _Ranked:
    items: dict[int, Suggestion] = field(default_factory=dict)

    def offer(self, suggestion: Suggestion) -> None:
        known = self.items.get(suggestion.unit_id)
        if known is None or suggestion.score > known.score:
            self.items[suggestion.unit_id] = suggestion


def area_prefix(region_code: str) -> str:
    """The code prefix of a region's area: 510107003 → 510107, 510100 → 5101, 510000 → 51."""
    prefix = region_code[:6]
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def guess_domain(tokens: Iterable[str]) -> str | None:
    """The duty domain whose keywords occur most often among the tokens, if any."""
    words = list(tokens)
    scores = {d: sum(1 for w in words for k in keys if k in w) for d, keys in DOMAIN_KEYWORDS.items()}
    best = max(scores.items(), key=lambda item: item[1])
    return best[0] if best[1] > 0 else None


def check_dispatch(plan: DispatchPlan, units: dict[int, UnitFacts]) -> None:
    """Raise DispatchRefused unless every rule of R-07 … R-09 allows this dispatch."""
    if plan.lead_unit_id in plan.co_unit_ids:
        raise DispatchRefused("lead_is_co", "主办单位不能同时为协办单位 (lead unit listed as co-handling)")
    if len(set(plan.co_unit_ids)) != len(plan.co_unit_ids):
        raise DispatchRefused("duplicate_co_unit", "协办单位重复 (a co-handling unit is listed twice)")
    for unit_id in (plan.lead_unit_id, *plan.co_unit_ids):
        unit = units.get(unit_id)
        if unit is None:
            raise DispatchRefused("unknown_unit", f"单位 {unit_id} 不存在 (unknown unit)")
        _check_unit(plan, unit, lead=unit_id == plan.lead_unit_id)


def _check_unit(plan: DispatchPlan, unit: UnitFacts, *, lead: bool) -> None:
    """Co-handling by the street (属地配合) is allowed; leading a functional matter is not."""
    if not unit.active or unit.kind in NOT_DISPATCHABLE_KINDS:
        raise DispatchRefused("not_a_handling_unit", f"{unit.name} 不是可派单的承办单位 (not a handling unit)")
    if lead and plan.domain and plan.domain != GENERAL and unit.level == GRASSROOTS_LEVEL:
        raise DispatchRefused(
            "functional_matter_to_grassroots",
            f"属于职能部门职责的事项不得派给基层（乡镇街道）: {unit.name} (R-07: a functional department's "
            f"matter ({plan.domain}) must not be pushed down to a township/street unit)")
    complained = plan.complained_unit_id
    if complained is not None and (unit.id == complained or complained in unit.ancestor_ids):
        raise DispatchRefused(
            "complained_unit",
            f"投诉对象 {unit.name} 不能承办针对自身的投诉，应转其上级或纪检监察机关 (R-09: a complaint is never "
            "dispatched to the unit complained about)")


def suggest(
    *, units: Sequence[UnitFacts], region_code: str, domain: str | None, tokens: Sequence[str] = (),
    complained_unit_id: int | None = None, precedents: Sequence[Precedent] = (), limit: int = 8,
) -> list[Suggestion]:
    """Ranked lead/co suggestions: precedent first, then the nearest responsible department, then others."""
    by_id = {u.id: u for u in units}
    ranked = _Ranked()
    if complained_unit_id is not None:
        _suggest_oversight(ranked, by_id, complained_unit_id)
    for precedent in precedents:
        if precedent.matches(region_code=region_code, domain=domain, tokens=tokens):
            _suggest_precedent(ranked, precedent)
    if domain:
        _suggest_by_duty(ranked, units, region_code, domain)
    _suggest_territorial(ranked, units, region_code)
    plan_domain = domain
    allowed = [s for s in ranked.items.values()
               if _allowed(s, by_id, plan_domain, complained_unit_id, region_code)]
    return sorted(allowed, key=lambda s: (-s.score, s.unit_id))[:limit]


def _allowed(suggestion: Suggestion, by_id: dict[int, UnitFacts], domain: str | None, complained: int | None,
             region: str) -> bool:
    unit = by_id.get(suggestion.unit_id)
    if unit is None:
        return False
    try:
        _check_unit(DispatchPlan(lead_unit_id=unit.id, domain=domain, complained_unit_id=complained,
                                 region_code=region), unit, lead=suggestion.role == "lead")
    except DispatchRefused:
        return False
    return True


def _suggest_oversight(ranked: _Ranked, by_id: dict[int, UnitFacts], complained_id: int) -> None:
    complained = by_id.get(complained_id)
    if complained and complained.oversight_unit_id:
        ranked.offer(Suggestion(complained.oversight_unit_id, "lead",
                                f"投诉对象 {complained.name} 的上级/纪检监察机关 (R-09)", 100.0))


def _suggest_precedent(ranked: _Ranked, precedent: Precedent) -> None:
    ranked.offer(Suggestion(precedent.lead_unit_id, "lead", "按已协调确定的派单先例 (R-08 precedent)", 90.0,
                            precedent.id))
    for unit_id in precedent.co_unit_ids:
        ranked.offer(Suggestion(unit_id, "co", "派单先例中的协办单位 (R-08 precedent)", 80.0, precedent.id))


def _suggest_by_duty(ranked: _Ranked, units: Sequence[UnitFacts], region: str, domain: str) -> None:
    depth = {"township": 4, "county": 3, "city": 2, "province": 1}
    for unit in units:
        if domain not in unit.domains or not unit.covers(region):
            continue
        if unit.kind in ("department", "vertical", "sub_centre"):
            ranked.offer(Suggestion(unit.id, "lead", f"属地+按职: {unit.name} 负责该领域 (by duty)",
                                    50.0 + 10 * depth.get(unit.level, 0)))
        elif unit.kind == "enterprise":
            ranked.offer(Suggestion(unit.id, "lead", f"公共服务企业: {unit.name}", 45.0 + 10 * depth.get(unit.level, 0)))
            if unit.oversight_unit_id:
                ranked.offer(Suggestion(unit.oversight_unit_id, "co", "行业主管部门 (sector regulator)", 40.0))


def _suggest_territorial(ranked: _Ranked, units: Sequence[UnitFacts], region: str) -> None:
    for unit in units:
        if unit.kind == "government" and unit.covers(region) and unit.level in ("county", "township"):
            score = 30.0 if unit.level == "county" else 25.0
            ranked.offer(Suggestion(unit.id, "lead" if unit.level == "county" else "co",
                                    f"属地: {unit.name}", score))
