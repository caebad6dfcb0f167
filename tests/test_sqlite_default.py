"""Smoke test of the embedded default: SQLite file + in-process Redis, migrated and serving."""
from __future__ import annotations

import httpx

from api.app import create_app
from cli.seeding import seed
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings


async def test_sqlite_embedded_default_serves_login(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}",
                        redis_url=None, admin_password="sqlite-admin-pass", var_dir=tmp_path, demo_data=False)
    upgrade(settings.database.database_url)
    resources = Resources.open(settings)
    try:
        report = await seed(resources)
        assert report.generated_admin_password is None and report.reference_rows > 100
        app = create_app(resources=resources)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/readyz")).json()["checks"] == {"database": True, "redis": True}
            token = await client.post("/api/v1/auth/token",
                                      data={"username": "admin", "password": "sqlite-admin-pass"})
            assert token.status_code == 200
            me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
            assert me.json()["role"] == "admin"
    finally:
        await resources.close()
    assert (tmp_path / "secret_key").exists()


async def test_first_start_without_admin_password_generates_one(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", redis_url=None,
                        admin_password=None, var_dir=tmp_path, demo_data=False)
    upgrade(settings.database.database_url)
    resources = Resources.open(settings)
    try:
        first = await seed(resources)
        second = await seed(resources)
    finally:
        await resources.close()
    assert first.generated_admin_password and len(first.generated_admin_password) >= 12
    assert second.generated_admin_password is None  # printed once only
