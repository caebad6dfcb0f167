"""Server errors the schemathesis run (tests/api/test_schemathesis.py) found, each pinned down."""
from __future__ import annotations

from sqlalchemy import func, select

from models import BlockedCaller


async def test_a_nul_character_in_text_is_422_not_500_and_stores_nothing(client, admin_headers, session):
    """PostgreSQL refuses NUL in text; the driver's DataError was a 500."""
    before = await session.scalar(select(func.count(BlockedCaller.id)))
    response = await client.post("/api/v1/blocklist", headers=admin_headers,
                                 json={"number": "13800138000", "reason": "骚扰\u0000", "status": "warned"})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"
    assert await session.scalar(select(func.count(BlockedCaller.id))) == before


async def test_a_nul_character_in_a_username_is_refused_not_500(client):
    response = await client.post("/api/v1/auth/token", data={"username": "admin\u0000", "password": "x"})
    assert 400 <= response.status_code < 500, response.text
