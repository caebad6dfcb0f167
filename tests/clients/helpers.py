"""Shared helpers of the open-API tests: registering a client, its token, a hand-over body."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta


async def register(client, admin_headers, *, name: str = "四川政务服务 App", scopes=("requests:create",
                   "requests:status"), callback_url: str | None = None) -> dict:
    body = {"name": name, "scopes": list(scopes)}
    if callback_url:
        body["callback_url"] = callback_url
    response = await client.post("/api/v1/api-clients", headers=admin_headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def client_token(client, registered: dict) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": registered["client_id"],
        "client_secret": registered["client_secret"]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def hand_over_body(**overrides) -> dict:
    """A complete request as the national platform hands it over (received there two hours ago)."""
    now = datetime.now(UTC)
    body = {
        "source": "national_platform",
        "external_ref": "GJ-20261201-0001",
        "received_at": (now - timedelta(hours=2)).isoformat(),
        "caller": {"name": "李四", "phone": "13900002222", "confidential": False},
        "content": "成都市武侯区某小区楼下餐馆油烟扰民，多次反映未解决",
        "category": "complaint",
        "region_code": "510107",
        "address": "成都市武侯区玉林北路12号",
        "occurred_at": (now - timedelta(days=1)).isoformat(),
    }
    body.update(overrides)
    return body
