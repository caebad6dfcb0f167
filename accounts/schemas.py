"""Request and response bodies of the accounts API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.user import ROLES

RolePattern = "^(" + "|".join(ROLES) + ")$"


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str | None = None  # an API client's token: its granted scopes, space-separated


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: str
    org_unit_id: int
    extension: str | None
    active: bool
    last_login_at: datetime | None


class MeOut(UserOut):
    permissions: list[str]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=128)
    display_name: str | None = Field(default=None, max_length=64)
    role: str = Field(pattern=RolePattern)
    org_unit_id: int = Field(ge=1, le=2_147_483_647)
    extension: str | None = Field(default=None, pattern=r"^[0-9]{3,8}$")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, max_length=64)
    role: str | None = Field(default=None, pattern=RolePattern)
    org_unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=128)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=128)
    new_password: str = Field(min_length=8, max_length=128)
