"""The signed-in person as the rest of the code sees them: role, unit, scope."""
from __future__ import annotations

from dataclasses import dataclass

from access.permissions import Permission, has_permission
from access.scope import Scope
from core.errors import Forbidden

CLIENT_ROLE = "api_client"  # no Role: a client principal holds its scopes and nothing else


@dataclass(frozen=True)
class Principal:
    """A signed-in person, or an API client (client_id set, user_id None, role "api_client").

    A client's permissions are exactly its granted scopes; its organisation scope is empty.
    """

    user_id: int | None
    username: str
    display_name: str
    role: str
    org_unit_id: int | None
    extension: str | None
    scope: Scope
    client_id: int | None = None  # api_clients.id of a client principal
    scopes: frozenset[Permission] | None = None  # a client's granted scopes (None: a person, by role)

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    def can(self, permission: Permission) -> bool:
        """True when this principal's role (a client: its scopes) holds permission."""
        if self.scopes is not None:
            return permission in self.scopes
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
