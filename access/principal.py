"""The signed-in person as the rest of the code sees them: role, unit, scope."""
from __future__ import annotations

from dataclasses import dataclass

from access.permissions import Permission, has_permission
from access.scope import Scope
from core.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    org_unit_id: int
    extension: str | None
    scope: Scope

    def can(self, permission: Permission) -> bool:
        """True when this principal's role holds permission."""
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        """Raise Forbidden unless the role holds permission."""
        if not self.can(permission):
            raise Forbidden(f"角色 {self.role} 无此权限 (missing permission {permission.value})")

    def require_province_wide(self, permission: Permission) -> None:
        """Raise Forbidden unless the role holds permission AND the scope is the whole province.

        For writes to data that act province-wide (the working-time calendar, the time-limit
        policy): a city centre's admin holds the permission for its own region, but a change
        there would move statutory deadlines everywhere (R-31).
        """
        self.require(permission)
        if not self.scope.everything:
            raise Forbidden(f"仅省级热线中心可修改全省数据 (province-wide scope required for {permission.value})")
