"""Kept ticket notifications (issue #12) over the API: the audience of live delivery (the unit concerned
and the units above it, the hotline roles of the ticket's region; another unit never; never a
caller's identity to a unit), read marks per person, paging and bad input."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.timeutil import utcnow
from events.envelope import Audience
from events.unit_of_work import UnitOfWork
from models import Notification, NotificationRead, NotificationRole, NotificationUnit, OutboxEvent, Ticket
from tests.conftest import login
from tests.workorders.helpers import PHONE, act, create, unit_id
from workorders import notifications
from workorders.events import TicketNotifier
from workorders.notification_text import notification_text
from workorders.tasks import run_pass

CALLER_NAME = "张三"
URL = "/api/v1/notifications"


async def _items(client, headers, **params) -> list[dict]:
    response = await client.get(URL, headers=headers, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _of(client, headers, ticket_id: int) -> list[dict]:
    return [n for n in await _items(client, headers) if n["ticket_id"] == ticket_id]


async def _unread(client, headers) -> int:
    response = await client.get(f"{URL}/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


async def _dispatched(client, session, agent) -> dict:
    t = await create(client, agent)
    return await act(client, agent, t["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})


async def test_the_unit_concerned_and_the_units_above_it_are_told_another_unit_never(client, session):
    people = {u: await login(client, u) for u in ("agent1001", "supervisor", "chengdu", "wh_zjj", "wh_zjj_lead",
                                                  "wh_gov", "cd_water", "expert2001", "auditor")}
    t = await _dispatched(client, session, people["agent1001"])
    got = {u: await _of(client, h, t["id"]) for u, h in people.items()}

    for unit_person in ("wh_zjj", "wh_zjj_lead"):
        [told] = got[unit_person]
        assert told["type"] == "ticket.dispatched" and told["read"] is False
        assert told["text"].startswith(f"工单 {t['number']} 已派发给你单位，请于") and "签收" in told["text"]
        assert told["link"] == f"/workbench/#ticket/{t['id']}"
    [above] = got["wh_gov"]  # the district government above the bureau: told, by the bureau's name
    assert above["type"] == "ticket.dispatched" and "已派发给武侯区住房建设和交通运输局" in above["text"]
    # the hotline of the region (province and Chengdu centre) is told of the new ticket to dispatch
    for hotline in ("agent1001", "supervisor", "chengdu"):
        assert [n["type"] for n in got[hotline]] == ["ticket.created"], hotline
        assert "待转办" in got[hotline][0]["text"]
    assert got["cd_water"] == [] and got["expert2001"] == [] and got["auditor"] == []

    # another unit's, or a person's outside the audience: as absent as a missing one
    for outsider in ("cd_water", "expert2001"):
        response = await client.post(f"{URL}/{got['wh_zjj'][0]['id']}/read", headers=people[outsider])
        assert response.status_code == 404, response.text
    assert (await client.post(f"{URL}/{got['agent1001'][0]['id']}/read", headers=people["wh_zjj"])).status_code == 404

    # never a caller's identity to a unit: not in what it reads, not in what is kept for it
    for unit_person in ("wh_zjj", "wh_zjj_lead", "wh_gov"):
        text = json.dumps(await _items(client, people[unit_person]), ensure_ascii=False)
        assert PHONE not in text and CALLER_NAME not in text
    kept = (await session.scalars(select(Notification).where(Notification.ticket_id == t["id"]))).all()
    assert PHONE not in json.dumps([n.data for n in kept], ensure_ascii=False)


async def test_the_hotline_is_told_within_its_region_only(client, session):
    agent, supervisor, chengdu = [await login(client, u) for u in ("agent1001", "supervisor", "chengdu")]
    mianyang = await create(client, agent, region_code="510700", address="绵阳市涪城区临园路")
    assert [n["type"] for n in await _of(client, supervisor, mianyang["id"])] == ["ticket.created"]
    assert await _of(client, chengdu, mianyang["id"]) == []  # Chengdu's centre: its own region only


async def test_read_marks_are_each_persons_own(client, session):
    agent, staff, lead = [await login(client, u) for u in ("agent1001", "wh_zjj", "wh_zjj_lead")]
    staff_before, lead_before = await _unread(client, staff), await _unread(client, lead)
    t = await _dispatched(client, session, agent)
    assert await _unread(client, staff) == staff_before + 1 and await _unread(client, lead) == lead_before + 1
    [told] = await _of(client, staff, t["id"])

    read = await client.post(f"{URL}/{told['id']}/read", headers=staff)
    assert read.status_code == 200 and read.json()["read"] is True
    assert (await client.post(f"{URL}/{told['id']}/read", headers=staff)).status_code == 200  # again: no change
    assert await _unread(client, staff) == staff_before
    assert await _unread(client, lead) == lead_before + 1  # the leader has not read it
    assert (await _of(client, staff, t["id"]))[0]["read"] is True
    assert (await _of(client, lead, t["id"]))[0]["read"] is False
    assert told["id"] not in [n["id"] for n in await _items(client, staff, unread="true")]
    assert told["id"] in [n["id"] for n in await _items(client, lead, unread="true")]

    # 全部已读: one mark for everything so far; what comes later is unread again
    cleared = await client.post(f"{URL}/read-all", headers=lead)
    assert cleared.status_code == 200 and cleared.json() == {"unread": 0, "capped": False}
    assert await _items(client, lead, unread="true") == []
    assert await _unread(client, staff) == staff_before  # the staff member's figure is theirs
    # the staff member's single mark is folded into their own read-through mark
    assert (await client.post(f"{URL}/read-all", headers=staff)).json()["unread"] == 0
    staff_id = await _me(client, staff)
    assert await session.scalar(select(func.count()).select_from(NotificationRead)
                                .where(NotificationRead.user_id == staff_id)
                                .execution_options(populate_existing=True)) == 0
    later = await _dispatched(client, session, agent)
    assert await _unread(client, lead) == 1 and await _unread(client, staff) == 1
    assert [n["ticket_id"] for n in await _items(client, lead, unread="true")] == [later["id"]]
    assert (await _of(client, staff, t["id"]))[0]["read"] is True  # below the mark: read


async def _me(client, headers) -> int:
    return (await client.get("/api/v1/auth/me", headers=headers)).json()["id"]


async def test_one_row_per_notification_with_its_audience_not_one_per_person(client, session):
    agent = await login(client, "agent1001")
    t = await _dispatched(client, session, agent)
    [kept] = (await session.scalars(select(Notification).where(Notification.ticket_id == t["id"],
                                                               Notification.type == "ticket.dispatched"))).all()
    units = set((await session.scalars(select(NotificationUnit.unit_id)
                                       .where(NotificationUnit.notification_id == kept.id))).all())
    assert units == set(Audience.model_validate(await session.scalar(
        select(OutboxEvent.audience).where(OutboxEvent.type == "ticket.dispatched").order_by(OutboxEvent.id.desc())
        .limit(1))).unit_ids)  # the units the live event went to: the bureau and the governments above it
    assert {await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-GOV")} <= units
    assert await session.scalar(select(func.count()).select_from(NotificationRole)
                                .where(NotificationRole.notification_id == kept.id)) == 0  # units only


async def test_newest_first_paged_on_the_server(client, session):
    agent, staff = await login(client, "agent1001"), await login(client, "wh_zjj")
    made = [await _dispatched(client, session, agent) for _ in range(3)]
    first = await client.get(URL, headers=staff, params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [n["ticket_id"] for n in page["items"]] == [made[2]["id"], made[1]["id"]]
    assert page["next_before"] == page["items"][-1]["id"]
    second = (await client.get(URL, headers=staff, params={"limit": 2, "before": page["next_before"]})).json()
    assert second["items"][0]["ticket_id"] == made[0]["id"]
    ids = [n["id"] for n in page["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)


@pytest.mark.parametrize(("path", "params"), [
    (URL, {"limit": 0}), (URL, {"limit": 101}), (URL, {"before": 0}), (URL, {"before": 2**31}),
    (URL, {"unread": "maybe"}), (URL, {"limit": "x"}),
])
async def test_bad_input_is_422(client, path, params):
    staff = await login(client, "wh_zjj")
    response = await client.get(path, headers=staff, params=params)
    assert response.status_code == 422, response.text


async def test_bad_or_absent_ids_and_no_token(client):
    staff = await login(client, "wh_zjj")
    assert (await client.post(f"{URL}/0/read", headers=staff)).status_code == 422
    assert (await client.post(f"{URL}/abc/read", headers=staff)).status_code == 422
    assert (await client.post(f"{URL}/99999999999/read", headers=staff)).status_code == 422
    assert (await client.post(f"{URL}/2147483647/read", headers=staff)).status_code == 404
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(f"{URL}/unread-count")).status_code == 401
    assert (await client.post(f"{URL}/read-all")).status_code == 401


async def test_the_scheduler_s_reminder_reaches_the_unit_and_the_overdue_the_hotline(client, session, resources):
    agent, staff, gov, supervisor, water = [await login(client, u) for u in
                                            ("agent1001", "wh_zjj", "wh_gov", "supervisor", "cd_water")]
    t = await _dispatched(client, session, agent)
    await run_pass(resources.sessionmaker, resources.redis, resources.settings,
                   now=datetime.fromisoformat(t["deadlines"]["sign_due_at"]))
    [dispatched, reminder] = sorted(await _of(client, staff, t["id"]), key=lambda n: n["id"])
    assert reminder["type"] == "ticket.reminder" and dispatched["type"] == "ticket.dispatched"
    assert reminder["text"].startswith(f"催办：工单 {t['number']} 已超过签收期限")
    assert "ticket.reminder" in [n["type"] for n in await _of(client, gov, t["id"])]
    hotline = [n for n in await _of(client, supervisor, t["id"]) if n["type"] == "ticket.overdue"]
    assert len(hotline) == 1 and "签收超期" in hotline[0]["text"] and "武侯区住房建设和交通运输局" in hotline[0]["text"]
    assert await _of(client, water, t["id"]) == []


async def test_kept_in_the_transaction_of_the_change_never_for_a_rolled_back_one(client, session, resources):
    ticket = await _dispatched(client, session, await login(client, "agent1001"))
    before = await session.scalar(select(func.count()).select_from(Notification))
    with pytest.raises(RuntimeError):
        async with UnitOfWork(resources.sessionmaker()) as uow:
            mine = await uow.session.get(Ticket, ticket["id"])
            await TicketNotifier(uow).ticket_completed(mine, unit_id=mine.lead_unit_id)
            assert await uow.session.scalar(select(func.count()).select_from(Notification)) == before + 1
            raise RuntimeError("the change fails")
    assert await session.scalar(select(func.count()).select_from(Notification)) == before


async def test_a_rolled_back_step_keeps_nothing_and_a_committed_one_does(client, session):
    agent, staff = await login(client, "agent1001"), await login(client, "wh_zjj")
    t = await _dispatched(client, session, agent)
    await act(client, staff, t["id"], "complete", {"reply": "x"}, expected=409)  # not signed for yet
    kept = (await session.scalars(select(Notification.type).where(Notification.ticket_id == t["id"])
                                  .order_by(Notification.id))).all()
    assert kept == ["ticket.created", "ticket.dispatched"]


async def test_prune_drops_old_notifications_with_their_rows(client, session, resources):
    agent = await login(client, "agent1001")
    t = await _dispatched(client, session, agent)
    pruned = await notifications.prune(resources.sessionmaker, now=utcnow() + notifications.KEEP + timedelta(days=1))
    assert pruned >= 2
    assert await session.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.ticket_id == t["id"]).execution_options(populate_existing=True)) == 0


def test_texts_for_each_side():
    data = {"number": "5101-20261201-000001", "unit_id": 7, "unit_name": "武侯区住房建设和交通运输局", "lead_unit_id": 7,
            "lead_unit_name": "武侯区住房建设和交通运输局", "co_unit_ids": [9], "sign_due_at": "2026-12-02T09:30:00+00:00",
            "category": "help", "dispatch_due_at": "2026-12-01T06:00:00+00:00", "days": 3, "approved": True,
            "handle_due_at": "2026-12-20T09:00:00+00:00", "kind": "overdue_sign", "due_at": "2026-12-02T09:30:00+00:00",
            "result": "satisfied"}
    assert notification_text("ticket.dispatched", data, reader_unit_id=7) == \
        "工单 5101-20261201-000001 已派发给你单位，请于12月02日 17:30前签收"
    assert "协办" in notification_text("ticket.dispatched", data, reader_unit_id=9)
    assert "已派发给武侯区住房建设和交通运输局" in notification_text("ticket.dispatched", data, reader_unit_id=3)
    assert notification_text("ticket.created", data) == "新求助工单 5101-20261201-000001 待转办，请于12月01日 14:00前转办"
    assert notification_text("ticket.reminder", data, reader_unit_id=7) == \
        "催办：工单 5101-20261201-000001 已超过签收期限（12月02日 17:30），请尽快办理"
    assert "延期申请已同意（延期3个工作日）" in notification_text("ticket.extension_decided", data, reader_unit_id=7)
    assert "武侯区住房建设和交通运输局申请" in notification_text("ticket.extension_requested", data)
    assert notification_text("ticket.callback_recorded", data, reader_unit_id=7).endswith("回访结果：满意")
    assert "退回" in notification_text("ticket.returned", data) and "办结" in notification_text("ticket.completed", data)
    assert notification_text("ticket.unknown", {"number": "X"}) == "工单 X 有新动态"
    assert notification_text("ticket.dispatched", {**data, "sign_due_at": "not a time"}, reader_unit_id=7).endswith(
        "请及时签收")


def test_which_events_are_kept_for_which_side():
    audience = Audience(roles=["admin", "agent"], regional=True, region_code="510107", unit_ids=[1, 2])
    assert notifications.notified_audience("ticket.signed", audience) is None
    units = notifications.notified_audience("ticket.dispatched", audience)
    assert units is not None and units.unit_ids == [1, 2] and units.roles == []
    hotline = notifications.notified_audience("ticket.created", audience)
    assert hotline is not None and hotline.unit_ids == [] and hotline.region_code == "510107"
