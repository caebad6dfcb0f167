"""GET /api/v1/workbench/time-left: working time left on deadlines (the workbench's countdowns)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import login

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_working_time_left_counts_only_working_periods(client):
    headers = await login(client, "wh_zjj")
    # 2026-11-27 is a Friday; 2026-11-30 the Monday after
    friday_close = datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
    monday_ten = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    response = await client.get("/api/v1/workbench/time-left", headers=headers,
                                params={"due_at": [friday_close.isoformat(), monday_ten.isoformat()]})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["working_day_seconds"] == 7 * 3600
    left = [item["seconds_left"] for item in data["items"]]
    # the weekend does not count: one working hour lies between Friday's close and Monday 10:00
    assert left[1] - left[0] == 3600
    assert data["items"][0]["due_at"].endswith("+08:00")
    assert isinstance(data["working_now"], bool)


async def test_a_passed_deadline_is_negative(client):
    headers = await login(client, "supervisor")
    long_ago = datetime.now(SHANGHAI) - timedelta(days=30)
    data = (await client.get("/api/v1/workbench/time-left", headers=headers,
                             params={"due_at": long_ago.isoformat()})).json()
    assert data["items"][0]["seconds_left"] < -10 * 7 * 3600


async def test_bad_input_is_refused_and_a_token_is_needed(client):
    headers = await login(client, "wh_zjj")
    for params in ({"due_at": "2026-11-27T10:00:00"},  # naive: which zone?
                   {"due_at": "not a time"}, {"due_at": "1800-01-01T00:00:00+08:00"},
                   {"due_at": "2300-01-01T00:00:00+08:00"},  # beyond the calendar
                   {"due_at": ["2026-11-27T10:00:00+08:00"] * 301}):
        response = await client.get("/api/v1/workbench/time-left", headers=headers, params=params)
        assert response.status_code == 422, (params, response.text[:200])
    assert (await client.get("/api/v1/workbench/time-left")).status_code == 401


async def test_the_pages_are_served(client):
    response = await client.get("/workbench/")
    assert response.status_code == 200
    assert "工单工作台" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert (await client.get("/workbench/js/main.js")).status_code == 200
