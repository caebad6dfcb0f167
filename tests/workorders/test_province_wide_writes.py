"""The working-time calendar and the time-limit policy time every ticket in the province (R-10 … R-15):
only the province centre's administrators change them; a city centre's admin holds the permissions
for its own region but gets 403 here and changes nothing (R-31)."""
from __future__ import annotations

import copy

from sqlalchemy import select

from models import CalendarDay
from tests.conftest import city_admin
from worktime import DEFAULT_POLICY


async def test_a_city_admin_cannot_change_the_province_calendar(client, session, admin_headers):
    city = await city_admin(client, session, admin_headers, "cd_admin")
    refused = await client.put("/api/v1/calendar/days/2026-12-02", headers=city,
                               json={"kind": "holiday", "note": "成都自定"})
    assert refused.status_code == 403, refused.text
    assert await session.scalar(select(CalendarDay).where(CalendarDay.note == "成都自定")) is None
    due = await client.get("/api/v1/calendar/deadline", headers=city,
                           params={"start": "2026-12-01T16:00:00+08:00", "working_days": 1})
    assert due.json()["due_at"] == "2026-12-02T17:30:00+08:00"  # 2 December is still a workday

    province = await client.put("/api/v1/calendar/days/2026-12-02", headers=admin_headers, json={"kind": "holiday"})
    assert province.status_code == 200, province.text


async def test_a_city_admin_cannot_publish_or_activate_a_policy(client, session, admin_headers):
    city = await city_admin(client, session, admin_headers, "cd_admin")
    body = copy.deepcopy((await client.get("/api/v1/policies/active", headers=admin_headers)).json()["body"])
    body["version"], body["handling_working_days"]["help"] = "chengdu-1", 1
    published = await client.post("/api/v1/policies", headers=city, json={"policy": body})
    assert published.status_code == 403, published.text

    body["version"] = "province-2"
    made = await client.post("/api/v1/policies", headers=admin_headers, json={"policy": body, "activate": False})
    assert made.status_code == 201, made.text
    activated = await client.post("/api/v1/policies/province-2/activate", headers=city)
    assert activated.status_code == 403, activated.text
    active = (await client.get("/api/v1/policies/active", headers=admin_headers)).json()
    assert active["version"] == DEFAULT_POLICY.version
    versions = [v["version"] for v in (await client.get("/api/v1/policies", headers=admin_headers)).json()]
    assert "chengdu-1" not in versions
