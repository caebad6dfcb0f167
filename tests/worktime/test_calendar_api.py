"""Working-time calendar at the API level (R-10 … R-15): deadlines, administrators' corrections, the cache."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, CalendarDay
from tests.conftest import login
from worktime import service

DEADLINES = [
    # (start, amount, expected due, provisional) — 2026 is published, 2027 is not (statutory fallback)
    ("2026-09-30T16:00:00+08:00", {"working_days": 1}, "2026-10-08T17:30:00+08:00", False),  # 国庆 + weekend
    ("2026-02-13T10:00:00+08:00", {"working_days": 1}, "2026-02-14T17:30:00+08:00", False),  # Saturday make-up day
    ("2026-11-27T16:00:00+08:00", {"working_days": 2}, "2026-12-01T17:30:00+08:00", False),  # the start day never counts
    ("2026-11-28T10:00:00+08:00", {"working_days": 0}, "2026-11-28T10:00:00+08:00", False),
    ("2026-11-27T16:00:00+08:00", {"working_hours": 3}, "2026-11-30T10:30:00+08:00", False),  # over the weekend
    ("2026-11-28T10:00:00+08:00", {"working_hours": 3}, "2026-11-30T12:00:00+08:00", False),  # start outside: next period
    ("2026-11-30T11:30:00+08:00", {"working_hours": 1}, "2026-11-30T14:00:00+08:00", False),  # over lunch
    ("2026-11-30T12:30:00+08:00", {"working_hours": 0.5}, "2026-11-30T14:00:00+08:00", False),
    ("2026-11-30T01:00:00Z", {"working_hours": 2}, "2026-11-30T11:00:00+08:00", False),  # any offset in, +08:00 out
    ("2026-11-27T22:00:00+08:00", {"hours": 4}, "2026-11-28T02:00:00+08:00", False),  # calendar hours
    ("2026-11-27T22:00:00+08:00", {"hours": 2}, "2026-11-28T00:00:00+08:00", False),
    ("2027-03-01T10:00:00+08:00", {"working_days": 1}, "2027-03-02T17:30:00+08:00", True),  # unpublished year
    ("2026-12-31T17:30:00+08:00", {"working_days": 1}, "2027-01-04T17:30:00+08:00", True),  # 元旦 by statute
    ("2026-12-30T10:00:00+08:00", {"working_hours": 3}, "2026-12-30T14:30:00+08:00", False),
]


@pytest.mark.parametrize(("start", "amount", "due", "provisional"), DEADLINES)
async def test_deadline(client, start, amount, due, provisional):
    headers = await login(client, "wh_zjj")  # any signed-in user
    response = await client.get("/api/v1/calendar/deadline", headers=headers, params={"start": start, **amount})
    assert response.status_code == 200, response.text
    assert response.json() == {"due_at": due, "calendar_provisional": provisional}


@pytest.mark.parametrize("params", [
    {"start": "2026-11-30T10:00:00", "working_days": 1},  # naive
    {"start": "2026-11-30T10:00:00+08:00"},  # no amount
    {"start": "2026-11-30T10:00:00+08:00", "working_days": 1, "hours": 2},  # two amounts
    {"start": "2026-11-30T10:00:00+08:00", "working_days": -1},
    {"start": "2026-11-30T10:00:00+08:00", "working_hours": -0.5},
    {"start": "2026-11-30T10:00:00+08:00", "working_days": 100000},
    {"start": "2026-11-30T10:00:00+08:00", "hours": 1e12},
    {"start": "2026-11-30T10:00:00+08:00", "hours": "nan"},
    {"start": "2026-11-30T10:00:00+08:00", "working_hours": "inf"},
    {"start": "2026-11-30T10:00:00+08:00", "working_days": 1.5},
    {"start": "1990-01-01T10:00:00+08:00", "working_days": 1},  # before the calendar's first year
    {"start": "2100-12-31T10:00:00+08:00", "working_days": 30},  # past its last year
    {"start": "not a time", "working_days": 1},
    {"working_days": 1},
])
async def test_invalid_deadline_queries_are_422(client, params):
    headers = await login(client, "agent1001")
    response = await client.get("/api/v1/calendar/deadline", headers=headers, params=params)
    assert response.status_code == 422, response.text


async def test_deadline_requires_login(client):
    response = await client.get("/api/v1/calendar/deadline", params={"start": "2026-11-30T10:00:00+08:00", "hours": 1})
    assert response.status_code == 401


async def test_admin_sets_a_day_and_deadlines_follow(client, admin_headers, session):
    params = {"start": "2026-11-30T10:00:00+08:00", "working_days": 1}
    before = await client.get("/api/v1/calendar/deadline", headers=admin_headers, params=params)
    assert before.json()["due_at"] == "2026-12-01T17:30:00+08:00"
    response = await client.put("/api/v1/calendar/days/2026-12-01", headers=admin_headers,
                                json={"kind": "holiday", "note": "临时调整"})
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "admin"
    after = await client.get("/api/v1/calendar/deadline", headers=admin_headers, params=params)
    assert after.json()["due_at"] == "2026-12-02T17:30:00+08:00"
    listed = (await client.get("/api/v1/calendar/days", headers=admin_headers, params={"year": 2026})).json()
    assert listed["published"] is True
    assert {"date": "2026-12-01", "kind": "holiday", "source": "admin", "note": "临时调整",
            "updated_by": "admin"} in listed["days"]
    assert any(d["date"] == "2026-10-01" and d["source"] == "seeded" for d in listed["days"])
    audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar_day_set",
                                                          AuditEvent.resource_id == "2026-12-01"))
    assert audit is not None and audit.detail["kind"] == "holiday"


async def test_admin_entry_wins_over_seeded_data(client, admin_headers):
    response = await client.put("/api/v1/calendar/days/2026-10-08", headers=admin_headers, json={"kind": "holiday"})
    assert response.status_code == 200
    due = await client.get("/api/v1/calendar/deadline", headers=admin_headers,
                           params={"start": "2026-09-30T16:00:00+08:00", "working_days": 1})
    assert due.json()["due_at"] == "2026-10-09T17:30:00+08:00"
    # correcting an unpublished year's statutory guess: 2027-10-01 becomes a working day
    await client.put("/api/v1/calendar/days/2027-10-01", headers=admin_headers, json={"kind": "workday"})
    listed = (await client.get("/api/v1/calendar/days", headers=admin_headers, params={"year": 2027})).json()
    assert listed["published"] is False
    assert {"date": "2027-10-01", "kind": "workday", "source": "admin", "note": None, "updated_by": "admin"} in listed["days"]
    assert any(d["date"] == "2027-02-05" and d["source"] == "fallback" for d in listed["days"])


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/v1/calendar/days/2026-02-30", {"kind": "holiday"}, 422),
    ("/api/v1/calendar/days/20261201", {"kind": "holiday"}, 422),
    ("/api/v1/calendar/days/2026-12-01", {"kind": "party"}, 422),
    ("/api/v1/calendar/days/2026-12-01", {"kind": "holiday", "extra": 1}, 422),
    ("/api/v1/calendar/days/1900-01-01", {"kind": "holiday"}, 422),
])
async def test_bad_day_input(client, admin_headers, path, body, status):
    assert (await client.put(path, headers=admin_headers, json=body)).status_code == status


async def test_only_administrators_change_the_calendar(client):
    for username in ("agent1001", "supervisor", "wh_zjj_lead"):
        headers = await login(client, username)
        response = await client.put("/api/v1/calendar/days/2026-12-01", headers=headers, json={"kind": "holiday"})
        assert response.status_code == 403, username
    listing = await client.get("/api/v1/calendar/days", headers=await login(client, "agent1001"),
                               params={"year": 1999})
    assert listing.status_code == 422


async def test_calendar_cache_is_refreshed_across_processes(session, redis, settings):
    """Another process changes a day and bumps the token: our cached calendar is rebuilt."""
    first = await service.get_calendar(session, redis, settings)
    assert await service.get_calendar(session, redis, settings) is first  # cached
    session.add(CalendarDay(day=date(2026, 12, 3), kind="holiday", source="admin", updated_by="other"))
    await session.flush()
    assert await service.get_calendar(session, redis, settings) is first  # no bump: still cached
    await service.bump_calendar_token(redis)
    rebuilt = await service.get_calendar(session, redis, settings)
    assert rebuilt is not first and not rebuilt.is_workday(date(2026, 12, 3))


def test_working_periods_setting_is_parsed():
    from datetime import time

    assert service.parse_periods("09:00-12:00, 13:30-17:30") == (
        (time(9), time(12)), (time(13, 30), time(17, 30)))
    with pytest.raises(ValueError):
        service.parse_periods("9-12")
