"""Shared helpers of the work-order tests."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import OrgUnit

PHONE = "13800001111"


def ticket_body(**overrides) -> dict:
    """A complete R-05 request (Chengdu, Wuhou district); override any field."""
    occurred = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    body = {
        "channel": "phone",
        "caller": {"name": "张三", "phone": PHONE, "confidential": False},
        "content": "武侯区玉林小区三栋电梯故障一周无人维修，物业不处理",
        "category": "help",
        "enterprise_related": False,
        "address": "成都市武侯区玉林街道玉林小区3栋",
        "region_code": "510107",
        "occurred_at": occurred,
        "domain": "housing",
    }
    body.update(overrides)
    return body


async def unit_id(session, code: str) -> int:
    return await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


async def create(client, headers, **overrides) -> dict:
    response = await client.post("/api/v1/tickets", headers=headers, json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def act(client, headers, ticket_id: int, action: str, body: dict | None = None, expected: int = 200) -> dict:
    response = await client.post(f"/api/v1/tickets/{ticket_id}/actions/{action}", headers=headers, json=body or {})
    assert response.status_code == expected, f"{action}: {response.status_code} {response.text}"
    return response.json()
