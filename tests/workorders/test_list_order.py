"""The orders of GET /api/v1/tickets the workbench's queues use: validated, stable, and paged on the server."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from models import Ticket
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


async def test_dispatch_queue_is_ordered_by_the_dispatch_limit(client):
    agent = await login(client, "agent1001")
    now = datetime.now(UTC)
    # accepted at different times: the one accepted earliest has the nearest dispatch limit
    late = await create(client, agent, content="排序测试甲：最晚受理", received_at=(now - timedelta(minutes=5)).isoformat())
    early = await create(client, agent, content="排序测试乙：最早受理", received_at=(now - timedelta(days=6)).isoformat())
    middle = await create(client, agent, content="排序测试丙：中间受理", received_at=(now - timedelta(days=2)).isoformat())
    mine = {late["id"], early["id"], middle["id"]}
    listed = _ids(await client.get("/api/v1/tickets", headers=agent, params={
        "status": ["pending_dispatch", "returned"], "order": "dispatch_due", "q": "排序测试", "limit": 200}))
    assert [i for i in listed if i in mine] == [early["id"], middle["id"], late["id"]]
    # the default stays newest first
    newest = _ids(await client.get("/api/v1/tickets", headers=agent, params={"q": "排序测试", "limit": 200}))
    assert [i for i in newest if i in mine] == [middle["id"], early["id"], late["id"]]


async def test_unit_inbox_puts_overdue_first_then_the_nearest_limit(client, session):
    agent = await login(client, "agent1001")
    zjj = await unit_id(session, "WH-ZJJ")
    now = datetime.now(UTC)
    made = []
    for days, text in ((1, "收件箱测试一"), (8, "收件箱测试二"), (3, "收件箱测试三")):
        ticket = await create(client, agent, content=text, received_at=(now - timedelta(days=days)).isoformat())
        await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": zjj})
        made.append(ticket["id"])
    near, far, overdue = made
    # dispatched at the same moment: give them different limits, and flag one overdue
    await session.execute(update(Ticket).where(Ticket.id == near).values(next_due_at=now + timedelta(hours=1)))
    await session.execute(update(Ticket).where(Ticket.id == far).values(next_due_at=now + timedelta(days=4)))
    await session.execute(update(Ticket).where(Ticket.id == overdue).values(
        overdue=True, overdue_kinds=["sign_due_at"], next_due_at=now + timedelta(days=9)))
    await session.commit()
    staff = await login(client, "wh_zjj")
    listed = _ids(await client.get("/api/v1/tickets", headers=staff, params={
        "status": ["dispatched", "in_progress", "extension_requested"], "order": "nearest_due", "limit": 200}))
    assert [i for i in listed if i in made] == [overdue, near, far]
    first_page = _ids(await client.get("/api/v1/tickets", headers=staff, params={
        "q": "收件箱测试", "order": "nearest_due", "limit": 2, "offset": 0}))
    second_page = _ids(await client.get("/api/v1/tickets", headers=staff, params={
        "q": "收件箱测试", "order": "nearest_due", "limit": 2, "offset": 2}))
    assert first_page + second_page == [overdue, near, far]


async def test_callback_queue_is_oldest_completion_first(client, session):
    agent = await login(client, "agent1001")
    now = datetime.now(UTC)
    made = [await create(client, agent, content=f"回访排序测试{i}") for i in range(3)]
    completed = (now - timedelta(hours=1), now - timedelta(days=2), now - timedelta(hours=5))
    for ticket, at in zip(made, completed, strict=True):
        await session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(status="completed", completed_at=at))
    await session.commit()
    listed = _ids(await client.get("/api/v1/tickets", headers=agent, params={
        "status": "completed", "order": "completed_oldest", "q": "回访排序测试"}))
    assert listed == [made[1]["id"], made[2]["id"], made[0]["id"]]


async def test_an_unknown_order_is_refused(client):
    agent = await login(client, "agent1001")
    for bad in ("random", "created_at; drop table tickets", "", "DISPATCH_DUE"):
        response = await client.get("/api/v1/tickets", headers=agent, params={"order": bad})
        assert response.status_code == 422, (bad, response.text)
