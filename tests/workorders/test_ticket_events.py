"""Ticket events (issue #12) over the API: the right sequence, the right audience (hotline roles in
the ticket's region, the units concerned and the units above them), never a caller's identity."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime

import websockets
from sqlalchemy import select

from events.bus import EventBus
from events.envelope import Audience
from models import OrgUnit, OutboxEvent
from tests.conftest import login
from tests.live_server import live_server
from tests.workorders.helpers import PHONE, act, create, unit_id
from workorders.events import HOTLINE_TICKET_ROLES, TICKET_EVENT_TYPES
from workorders.tasks import run_pass

CALLER_NAME = "张三"


async def _events(session, ticket_id: int) -> list[OutboxEvent]:
    rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)
                                  .execution_options(populate_existing=True))).all()
    return [r for r in rows if r.payload.get("ticket_id") == ticket_id]


async def _chain(session, code: str) -> set[int]:
    """The unit and the units above it, hotline centres left out."""
    unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    found = set()
    while unit is not None:
        if unit.kind not in ("hotline_centre", "sub_centre"):
            found.add(unit.id)
        unit = await session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    return found


def _no_identity(rows: list[OutboxEvent]) -> None:
    text = json.dumps([[r.payload, r.audience] for r in rows], ensure_ascii=False)
    assert PHONE not in text and CALLER_NAME not in text


def test_the_event_types_are_issue_12s():
    assert TICKET_EVENT_TYPES == (
        "ticket.created", "ticket.accepted", "ticket.dispatched", "ticket.signed", "ticket.returned",
        "ticket.extension_requested",
        "ticket.extension_decided", "ticket.progress", "ticket.completed", "ticket.callback_recorded",
        "ticket.closed", "ticket.overdue", "ticket.reminder")
    assert set(HOTLINE_TICKET_ROLES) == {"admin", "supervisor", "agent"}


async def test_a_lifecycle_emits_its_events_in_order_to_the_units_concerned(client, session, resources):
    agent, unit, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    zjj = await unit_id(session, "WH-ZJJ")
    t = await create(client, agent, category="help")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
    t = await act(client, unit, t["id"], "sign")
    t = await act(client, unit, t["id"], "progress", {"note": f"已联系{CALLER_NAME} {PHONE}"})
    t = await act(client, lead, t["id"], "request_extension", {"days": 5, "reason": "配件调货", "caller_informed": True})
    t = await act(client, agent, t["id"], "approve_extension")
    t = await act(client, unit, t["id"], "complete", {"reply": f"已答复{CALLER_NAME}"})
    t = await act(client, agent, t["id"], "callback", {"result": "no_evaluation"})
    await run_pass(resources.sessionmaker, resources.redis, resources.settings,
                   now=datetime.fromisoformat(t["deadlines"]["auto_close_due_at"]))
    rows = await _events(session, t["id"])
    assert [r.type for r in rows] == [
        "ticket.created", "ticket.dispatched", "ticket.signed", "ticket.progress", "ticket.extension_requested",
        "ticket.extension_decided", "ticket.completed", "ticket.callback_recorded", "ticket.closed"]
    assert all(r.published_at is not None for r in rows)  # published after each commit
    for row in rows:
        assert {"ticket_id", "number", "status", "unit_id"} <= set(row.payload)
        assert row.payload["number"] == t["number"]
    assert [r.payload["status"] for r in rows][-3:] == ["completed", "no_evaluation", "auto_closed"]
    assert rows[1].payload["lead_unit_id"] == zjj and rows[1].payload["unit_id"] == zjj
    assert rows[5].payload["approved"] is True and rows[5].payload["days"] == 5
    hotline = {"roles": list(HOTLINE_TICKET_ROLES), "regional": True, "region_code": "510107"}
    created = Audience.model_validate(rows[0].audience)
    assert created.unit_ids == [] and created.model_dump(include=set(hotline)) == hotline  # not yet any unit's
    units = await _chain(session, "WH-ZJJ")
    assert await unit_id(session, "WH-GOV") in units  # the district government above the bureau
    for row in rows[1:]:
        audience = Audience.model_validate(row.audience)
        assert set(audience.unit_ids) == units and audience.model_dump(include=set(hotline)) == hotline
    _no_identity(rows)


async def test_return_overdue_and_reminder(client, session, resources):
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    zjj, cgj = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-CGJ")
    t = await create(client, agent, category="suggestion", domain="urban_management")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
    await run_pass(resources.sessionmaker, resources.redis, resources.settings,
                   now=datetime.fromisoformat(t["deadlines"]["sign_due_at"]))
    t = await act(client, unit, t["id"], "return", {"reason": "属城管职责", "legal_basis": "条例第五条",
                                                   "suggested_unit_id": cgj})
    rows = await _events(session, t["id"])
    assert [r.type for r in rows] == ["ticket.created", "ticket.dispatched", "ticket.overdue", "ticket.reminder",
                                      "ticket.returned"]
    overdue, reminder, returned = rows[2:]
    assert overdue.payload["kind"] == reminder.payload["kind"] == "overdue_sign"
    assert reminder.payload["unit_id"] == zjj and zjj in reminder.audience["unit_ids"]
    # the assignment ended with the return: the returning unit is still told
    assert returned.payload["unit_id"] == zjj and zjj in returned.audience["unit_ids"]
    _no_identity(rows)


async def test_a_failed_step_emits_nothing(client, session):
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    t = await create(client, agent)
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    await act(client, unit, t["id"], "complete", {"reply": "x"}, expected=409)  # not signed for yet
    assert [r.type for r in await _events(session, t["id"])] == ["ticket.created", "ticket.dispatched"]


SOCKETS = ("agent1001", "chengdu", "supervisor", "wh_zjj", "wh_gov", "cd_water", "expert2001")


async def _open(client, base: str, username: str):
    token = (await login(client, username))["Authorization"].split()[1]
    ws = await websockets.connect(f"ws://{base}/ws/desktop")
    await ws.send(json.dumps({"v": 1, "op": "auth", "data": {"token": token}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), timeout=5))["op"] == "welcome"
    return ws


async def _until_sentinel(ws) -> list[dict]:
    received = []
    async with asyncio.timeout(10):
        while True:
            frame = json.loads(await ws.recv())
            if frame["op"] != "event":
                continue
            if frame["data"]["type"] == "test.sentinel":
                return received
            received.append(frame["data"])


async def test_desktops_of_the_units_concerned_get_ticket_events_other_units_do_not(client, session, resources):
    agent = await login(client, "agent1001")
    async with live_server(resources) as base:
        sockets = {name: await _open(client, base, name) for name in SOCKETS}
        try:
            t = await create(client, agent)
            await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
            await EventBus.for_resources(resources).publish("test.sentinel", {}, audience=Audience(all=True))
            got = {name: await _until_sentinel(ws) for name, ws in sockets.items()}
        finally:
            for ws in sockets.values():
                await ws.close()

    def types(name: str) -> list[str]:
        return [e["type"] for e in got[name] if e["type"].startswith("ticket.")]

    for hotline in ("agent1001", "chengdu", "supervisor"):  # Chengdu's centre covers the ticket's region
        assert types(hotline) == ["ticket.created", "ticket.dispatched"], hotline
    assert types("wh_zjj") == types("wh_gov") == ["ticket.dispatched"]  # the lead unit and the one above it
    assert types("cd_water") == [] and types("expert2001") == []
    assert PHONE not in json.dumps(got["wh_zjj"], ensure_ascii=False)
