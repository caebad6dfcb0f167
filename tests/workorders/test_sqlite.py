"""The embedded default (SQLite + in-process Redis) runs the whole work-order workflow too."""
from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from api.app import create_app
from cli.seeding import seed
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from tests.workorders.helpers import ticket_body
from workorders.tasks import run_pass


async def test_lifecycle_on_sqlite(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'wo.db'}", redis_url=None,
                        admin_password="sqlite-admin-pass", demo_password="sqlite-demo-pass", var_dir=tmp_path)
    upgrade(settings.database.database_url)
    resources = Resources.open(settings)
    try:
        await seed(resources)
        app = create_app(resources=resources)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            async def headers(username: str) -> dict:
                token = await client.post("/api/v1/auth/token",
                                          data={"username": username, "password": "sqlite-demo-pass"})
                return {"Authorization": f"Bearer {token.json()['access_token']}"}

            agent, unit = await headers("agent1001"), await headers("wh_zjj")
            units = (await client.get("/api/v1/org/units", headers=agent)).json()
            zjj = next(u["id"] for u in units if u["code"] == "WH-ZJJ")
            first = (await client.post("/api/v1/tickets", headers=agent, json=ticket_body())).json()
            second = (await client.post("/api/v1/tickets", headers=agent, json=ticket_body())).json()
            assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1
            dupes = await client.get("/api/v1/tickets/duplicates", headers=agent,
                                     params={"content": first["content"], "region_code": "510107"})
            assert {d["id"] for d in dupes.json()} == {first["id"], second["id"]}
            merged = await client.post(f"/api/v1/tickets/{first['id']}/merge", headers=agent,
                                       json={"duplicate_ids": [second["id"]]})
            assert merged.status_code == 200
            tid = first["id"]
            for who, action, body in ((agent, "dispatch", {"lead_unit_id": zjj}), (unit, "sign", {}),
                                      (unit, "complete", {"reply": "已修复"}),
                                      (agent, "callback", {"result": "no_evaluation"})):
                response = await client.post(f"/api/v1/tickets/{tid}/actions/{action}", headers=who, json=body)
                assert response.status_code == 200, (action, response.text)
            due = datetime.fromisoformat(response.json()["deadlines"]["auto_close_due_at"])
            report = await run_pass(resources.sessionmaker, resources.redis, settings, now=due + timedelta(minutes=1))
            assert report.auto_closed == [tid]
            final = (await client.get(f"/api/v1/tickets/{tid}", headers=agent)).json()
            assert final["status"] == "archived"
            export = await client.get("/api/v1/tickets/export.csv", headers=unit)
            assert export.status_code == 200 and first["number"] in export.text
            rates = await client.get("/api/v1/supervision/rates", headers=await headers("supervisor"))
            assert rates.json()["accepted"] == 1
            for order in ("dispatch_due", "nearest_due", "completed_oldest"):  # the workbench's queues
                listed = await client.get("/api/v1/tickets", headers=agent, params={"order": order})
                assert listed.status_code == 200 and tid in [t["id"] for t in listed.json()["items"]], order
    finally:
        await resources.close()
