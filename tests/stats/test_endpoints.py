"""The stats API (R-05, R-24, R-27): answer rate and 15-s service level over any range, rolling windows,
per-segment reports, staffing, validation (naive times, from > to, absurd ranges → 422) and permissions."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx
import pytest

from api.app import create_app
from core.resources import Resources
from core.timeutil import BUSINESS_TZ, utcnow
from tests.conftest import login
from tests.stats.helpers import add_calls, make_call, unique_queue


def _iso(moment) -> str:
    return moment.isoformat()


@pytest.fixture
async def supervisor(client):
    return await login(client, "supervisor")


async def _mix(session, base, queue):
    """Ten offered calls: 8 answered (6 within 15 s), 2 abandoned; plus calls that were never offered."""
    calls = [make_call(base, enter=i * 10, answer=i * 10 + wait, end=i * 10 + wait + 60, queue=queue)
             for i, wait in enumerate((1, 2, 5, 10, 14, 15, 16, 40))]
    calls += [make_call(base, enter=100, end=130, queue=queue), make_call(base, enter=110, end=111, queue=queue)]
    calls += [make_call(base, enter=None, end=20, disposition="ivr_ended"),
              make_call(base, enter=None, end=2, disposition="blocked")]
    await add_calls(session, calls)
    await session.commit()


# a day long past: the session database also holds real calls the telephony tests placed "now"
PAST = datetime(2025, 1, 15, 2, 0, tzinfo=UTC)


async def test_answer_rate_over_a_range(client, session, supervisor):
    await _mix(session, PAST, "general")
    params = {"from": _iso(PAST - timedelta(seconds=1)), "to": _iso(PAST + timedelta(hours=1))}
    body = (await client.get("/api/v1/stats/answer-rate", params=params, headers=supervisor)).json()
    assert {k: body[k] for k in ("offered", "answered", "abandoned")} == {"offered": 10, "answered": 8, "abandoned": 2}
    assert body["answer_rate"] == pytest.approx(0.8) and body["service_level_15s"] == pytest.approx(6 / 8)
    assert body["abandon_rate"] == pytest.approx(0.2) and body["meets_target"] is False and body["target"] == 0.95
    assert body["average_handle_time"] == pytest.approx(60)
    assert body["average_speed_of_answer"] == pytest.approx(103 / 8, abs=0.01)
    assert datetime.fromisoformat(body["from"]) == PAST - timedelta(seconds=1)
    general = await client.get("/api/v1/stats/answer-rate", params={**params, "queue": "general"}, headers=supervisor)
    assert general.json()["offered"] == 10 and general.json()["queue"] == "general"
    other = await client.get("/api/v1/stats/answer-rate", params={**params, "queue": "enterprise"}, headers=supervisor)
    assert other.json()["offered"] == 0 and other.json()["answer_rate"] is None and other.json()["meets_target"] is None


async def test_rolling_windows(client, session, supervisor):
    queue = unique_queue()
    await _mix(session, utcnow() - timedelta(minutes=40), queue)
    hour = (await client.get("/api/v1/stats/answer-rate", params={"window": "1h", "queue": queue},
                             headers=supervisor)).json()
    quarter = (await client.get("/api/v1/stats/answer-rate", params={"window": "15m", "queue": queue},
                                headers=supervisor)).json()
    assert hour["offered"] == 10 and hour["answer_rate"] == pytest.approx(0.8) and quarter["offered"] == 0


@pytest.mark.parametrize("params", [
    {"from": "2026-03-01T00:00:00", "to": "2026-03-02T00:00:00+08:00"},  # naive
    {"from": "2026-03-02T00:00:00+08:00", "to": "2026-03-01T00:00:00+08:00"},  # from > to
    {"from": "2024-01-01T00:00:00+08:00", "to": "2026-03-01T00:00:00+08:00"},  # more than 366 days
    {"from": "1900-01-01T00:00:00+08:00", "to": "1900-01-02T00:00:00+08:00"},  # outside 2000–2100
    {"from": "2026-03-01T00:00:00+08:00"},  # to missing
    {"window": "1h", "from": "2026-03-01T00:00:00+08:00", "to": "2026-03-02T00:00:00+08:00"},  # both
    {"window": "3d"},
    {"window": "1h", "queue": "x" * 49},
    {"window": "1h", "queue": "bad queue"},
    {"from": "yesterday", "to": "today"},
])
async def test_invalid_input_is_422(client, supervisor, params):
    response = await client.get("/api/v1/stats/answer-rate", params=params, headers=supervisor)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"


async def test_who_may_read_stats(client):
    for username, expected in (("supervisor", 200), ("admin", 200), ("auditor", 200), ("agent1001", 403),
                               ("wh_zjj", 403)):
        headers = await login(client, username)
        response = await client.get("/api/v1/stats/answer-rate", params={"window": "1h"}, headers=headers)
        assert response.status_code == expected, username
    assert (await client.get("/api/v1/stats/answer-rate", params={"window": "1h"})).status_code == 401


@pytest.fixture
async def sub_centre_client(resources):
    """An app whose configuration maps queue `hr` to the 12333 sub-centre."""
    settings = resources.settings.replace(stats_sub_centre_queues="hr=SC-12345-RS")
    app = create_app(resources=Resources(**{**resources.__dict__, "settings": settings}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http


async def test_segments_per_queue_expert_group_sub_centre_and_agent(sub_centre_client, session):
    client = sub_centre_client
    headers = await login(client, "supervisor")
    agent_id = (await client.get("/api/v1/auth/me", headers=await login(client, "agent1001"))).json()["id"]
    await add_calls(session, [
        make_call(PAST, enter=0, answer=3, end=63, queue="general", agent_id=agent_id),
        make_call(PAST, enter=1, answer=30, end=90, queue="expert:housing"),
        make_call(PAST, enter=2, end=50, queue="expert:housing"),
        make_call(PAST, enter=3, answer=5, end=35, queue="hr"),
    ])
    await session.commit()
    params = {"from": _iso(PAST), "to": _iso(PAST + timedelta(hours=1))}
    body = (await client.get("/api/v1/stats/segments", params=params, headers=headers)).json()
    by_id = {s["id"]: s for s in body["segments"]}
    assert list(by_id) == ["centre:all", "queue:expert:housing", "queue:general", "queue:hr", "expert_group:housing",
                           "sub_centre:SC-12345-RS"]
    assert by_id["centre:all"]["figures"]["offered"] == 4 and by_id["centre:all"]["name"] == "全中心"
    assert by_id["expert_group:housing"]["name"] == "专家座席·住房和城乡建设"
    assert by_id["expert_group:housing"]["figures"]["answer_rate"] == 0.5
    assert by_id["sub_centre:SC-12345-RS"]["name"] == "12333人社服务分中心"
    assert by_id["sub_centre:SC-12345-RS"]["figures"]["answered"] == 1
    assert by_id["queue:general"]["name"] == "个人事项"
    [agent] = body["agents"]
    assert agent["user_id"] == agent_id and agent["name"] == "话务员1001"
    assert agent["figures"]["answered"] == 1 and agent["figures"]["average_handle_time"] == 60


async def test_staffing_for_a_forecast(client, supervisor):
    body = {"calls": [0, 100, 300], "start": "08:00", "handle_seconds": 240, "patience_seconds": 60}
    response = await client.post("/api/v1/stats/staffing", json=body, headers=supervisor)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [(i["start"], i["end"]) for i in plan["intervals"]] == [("08:00", "08:30"), ("08:30", "09:00"),
                                                                    ("09:00", "09:30")]
    assert plan["intervals"][0]["agents"] == 0
    assert all(i["answer_rate"] >= 0.95 for i in plan["intervals"])
    assert plan["peak_agents"] == plan["intervals"][2]["agents"] and plan["forecast_source"] == "request"
    for bad in ({**body, "calls": []}, {**body, "calls": [-1]}, {**body, "start": "25:00"},
                {**body, "start": "23:30", "calls": [1, 2]}, {**body, "surprise": 1},
                {**body, "target_answer_rate": 1.5}, {**body, "handle_seconds": 0}):
        assert (await client.post("/api/v1/stats/staffing", json=bad, headers=supervisor)).status_code == 422, bad


async def test_staffing_from_history(client, session, supervisor):
    day = utcnow().astimezone(BUSINESS_TZ).date()
    ten_last_week = datetime.combine(day - timedelta(weeks=1), time(10), BUSINESS_TZ)  # 10:00–10:10 a week ago
    await add_calls(session, [make_call(ten_last_week, enter=i, answer=i + 2, end=i + 302) for i in range(0, 600, 10)])
    await session.commit()
    response = await client.get("/api/v1/stats/staffing", params={"date": day.isoformat(), "weeks": 1},
                                headers=supervisor)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert len(plan["intervals"]) == 48 and plan["forecast_source"] == "history"
    assert sum(i["calls"] for i in plan["intervals"]) == pytest.approx(60)
    assert plan["intervals"][20]["calls"] == pytest.approx(60) and plan["intervals"][20]["start"] == "10:00"
    assert plan["handle_seconds"] == pytest.approx(300) and plan["peak_agents"] >= 1
    assert (await client.get("/api/v1/stats/staffing", params={"date": "1800-01-01"}, headers=supervisor)).status_code == 422
    assert (await client.get("/api/v1/stats/staffing", params={"date": "x"}, headers=supervisor)).status_code == 422
