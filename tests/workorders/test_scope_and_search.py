"""Access control on tickets (R-31): unit staff see what was dispatched to them, centres their region."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


async def test_each_scope_sees_its_tickets(client, session):
    agent = await login(client, "agent1001")
    wuhou = await create(client, agent, content="武侯区路灯不亮")
    zigong = await create(client, agent, content="自贡市某路段积水", region_code="510300", address="自贡市")
    undispatched = await create(client, agent, content="武侯区噪音")
    await act(client, agent, wuhou["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    expectations = {
        "admin": {wuhou["id"], zigong["id"], undispatched["id"]},
        "supervisor": {wuhou["id"], zigong["id"], undispatched["id"]},
        "chengdu": {wuhou["id"], undispatched["id"]},  # the city centre: its region only
        "wh_zjj": {wuhou["id"]},
        "wh_gov": {wuhou["id"]},  # the district government sees what went to the units below it
        "cd_water": set(),
    }
    mine = {wuhou["id"], zigong["id"], undispatched["id"]}
    for username, expected in expectations.items():
        headers = await login(client, username)
        items = (await client.get("/api/v1/tickets", headers=headers, params={"limit": 200})).json()["items"]
        assert {t["id"] for t in items} & mine == expected, username
        for ticket_id in mine - expected:
            assert (await client.get(f"/api/v1/tickets/{ticket_id}", headers=headers)).status_code == 404
            assert (await client.get(f"/api/v1/tickets/{ticket_id}/history", headers=headers)).status_code == 404


async def test_filters_and_pagination(client, session):
    agent = await login(client, "agent1001")
    zjj = await unit_id(session, "WH-ZJJ")
    made = [await create(client, agent, category="complaint" if i % 2 else "help", content=f"测试工单内容{i}号")
            for i in range(5)]
    await act(client, agent, made[0]["id"], "dispatch", {"lead_unit_id": zjj})
    ids = {t["id"] for t in made}

    async def found(**params) -> set[int]:
        response = await client.get("/api/v1/tickets", headers=agent, params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]} & ids

    assert await found(category="complaint") == {made[1]["id"], made[3]["id"]}
    assert await found(status="dispatched") == {made[0]["id"]}
    assert await found(status=["dispatched", "pending_dispatch"]) == ids
    assert await found(unit_id=zjj) == {made[0]["id"]}
    assert await found(region="5101") == ids and await found(region="5103") == set()
    assert await found(overdue="false") == ids and await found(overdue="true") == set()
    assert await found(q="内容3号") == {made[3]["id"]}
    assert await found(number=made[2]["number"]) == {made[2]["id"]}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await found(created_from=future) == set()
    assert await found(created_to=future) == ids
    page = (await client.get("/api/v1/tickets", headers=agent, params={"limit": 2, "offset": 0})).json()
    assert len(page["items"]) == 2 and page["total"] >= 5
    for bad in ({"status": "flying"}, {"created_from": "2026-01-01T00:00:00"}, {"limit": 0}, {"limit": 10_000},
                {"unit_id": -1}, {"region": "abc"}, {"overdue": "maybe"}, {"q": "x" * 200}):
        assert (await client.get("/api/v1/tickets", headers=agent, params=bad)).status_code == 422, bad
