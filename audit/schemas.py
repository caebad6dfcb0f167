"""Bodies of the audit API."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    ip: str | None
    request_id: str | None
    detail: dict[str, Any]
