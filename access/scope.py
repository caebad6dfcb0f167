"""Organisation scope (R-31): what part of the data a principal may see.

Province centre: everything. A city or county centre: its own region (by GB/T 2260 code
prefix). A handling unit: what was dispatched to it and to the units below it. Every
scoped query goes through the clauses here, so the rule lives in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.expression import ColumnClause

# kinds whose staff work on the hotline side (they see regions); all others handle tickets
CENTRE_KINDS = ("hotline_centre", "sub_centre")


def region_prefix(code: str, level: str) -> str:
    """The code prefix shared by a region and everything inside it (51 / 5101 / 510107 / full)."""
    return {"province": code[:2], "city": code[:4], "county": code[:6]}.get(level, code)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_prefix: str | None = None
    unit_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_unit_scope(self) -> bool:
        """True for handling-unit staff (they see what was dispatched to them)."""
        return not self.everything and self.region_prefix is None

    def covers_region(self, code: str | None) -> bool:
        """True when a region code lies inside this scope (unit scopes do not see by region)."""
        if self.everything:
            return True
        return bool(code and self.region_prefix and code.startswith(self.region_prefix))

    def covers_unit(self, unit_id: int | None) -> bool:
        """True when unit_id is one of this scope's units."""
        return self.everything or (unit_id is not None and unit_id in self.unit_ids)

    def covers_org(self, region_code: str | None, unit_id: int | None) -> bool:
        """In Python what org_clause is in SQL: something of an org unit with this region and id."""
        if self.everything:
            return True
        if self.region_prefix:
            return self.covers_region(region_code)
        return self.covers_unit(unit_id)

    def region_clause(self, column: ColumnClause) -> ColumnElement[bool]:
        """SQL filter on a region-code column."""
        if self.everything:
            return true()
        if self.region_prefix:
            return column.startswith(self.region_prefix)
        return false()

    def org_clause(self, region_column: ColumnClause, unit_column: ColumnClause) -> ColumnElement[bool]:
        """SQL filter on something that belongs to an org unit (its region and its id)."""
        if self.everything:
            return true()
        if self.region_prefix:
            return self.region_clause(region_column)
        return self.unit_clause(unit_column)

    def unit_clause(self, column: ColumnClause) -> ColumnElement[bool]:
        """SQL filter on a unit-id column."""
        if self.everything:
            return true()
        if self.unit_ids:
            return column.in_(sorted(self.unit_ids))
        return false()


def scope_for(*, org_kind: str, org_level: str, org_region: str, unit_ids: frozenset[int]) -> Scope:
    """The scope of a member of an org unit (pure: the unit tree is looked up by the caller)."""
    if org_kind in CENTRE_KINDS:
        if org_level == "province":
            return Scope(everything=True)
        return Scope(region_prefix=region_prefix(org_region, org_level))
    return Scope(unit_ids=unit_ids)
