"""The embedded default (SQLite + in-process Redis) runs the open API too: a hand-over, its
callback collected, the feed, the pruning that keeps the sequence."""
from __future__ import annotations

import httpx

from api.app import create_app
from cli.seeding import seed
from clients.webhooks import collect
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from events.outbox import prune_published
from tests.clients.helpers import client_token, hand_over_body, register


async def test_open_api_on_sqlite(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'oa.db'}", redis_url=None,
                        admin_password="sqlite-admin-pass", var_dir=tmp_path, demo_data=False)
    upgrade(settings.database.database_url)
    resources = Resources.open(settings)
    try:
        await seed(resources)
        app = create_app(resources=resources)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            token = await client.post("/api/v1/auth/token", data={"username": "admin", "password": "sqlite-admin-pass"})
            admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
            app_client = await register(client, admin, scopes=["requests:create", "requests:status", "feed:read"],
                                        callback_url="http://127.0.0.1:9/callback")
            headers = await client_token(client, app_client)
            made = await client.post("/api/v1/requests", headers=headers, json=hand_over_body())
            assert made.status_code == 201, made.text
            feed = (await client.get("/api/v1/feed/events?after=0&limit=1000", headers=headers)).json()
            created = [e for e in feed["events"] if e["type"] == "ticket.created"]
            assert created[-1]["data"]["number"] == made.json()["number"] and feed["next_cursor"] >= created[-1]["seq"]
            assert await collect(resources.sessionmaker) == 1
            assert await prune_published(resources.sessionmaker) == 0  # nothing old enough
    finally:
        await resources.close()
