"""The wallboard's REST snapshot and the Prometheus exposition of the same figures (R-05, R-34)."""
from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from acd.store import AcdStore, QueuedCall
from core.timeutil import utcnow
from models import User
from tests.conftest import login
from tests.stats.helpers import add_calls, make_call, unique_queue


async def _scene(session, redis) -> tuple[str, str]:
    """Calls in queues of this test's own (the session database holds other tests' real calls), one agent,
    one caller waiting. Returns (queue, expert-seat group)."""
    queue, group = unique_queue(), unique_queue("grp")
    base = utcnow() - timedelta(minutes=10)
    await add_calls(session, [make_call(base, enter=0, answer=5, end=65, queue=queue),
                              make_call(base, enter=1, end=30, queue=queue),
                              make_call(base, enter=2, answer=20, end=80, queue=f"expert:{group}")])
    user = await session.scalar(select(User).where(User.username == "agent1004"))
    await session.commit()
    acd = AcdStore(redis)
    await acd.upsert_profile(user_id=user.id, username=user.username, display_name=user.display_name,
                             extension="1004", skills=frozenset({"general"}))
    await acd.request_state(user.id, "not_ready", "小休", utcnow().timestamp() - 30)
    await acd.enqueue(QueuedCall(call_id=424242, queue=queue, entered_at=utcnow().timestamp() - 20, app="hotline"))
    return queue, group


async def test_snapshot_has_every_part_of_the_wallboard(client, session, redis):
    headers = await login(client, "supervisor")
    before = (await client.get("/api/v1/stats/wallboard", headers=headers)).json()["centre"]["today"]
    queue, group = await _scene(session, redis)
    snapshot = (await client.get("/api/v1/stats/wallboard", headers=headers)).json()
    assert snapshot["target"] == 0.95 and snapshot["service_level_seconds"] == 15
    centre = snapshot["centre"]
    assert (centre["today"]["offered"] - before["offered"], centre["today"]["answered"] - before["answered"]) == (3, 2)
    assert centre["waiting"] == 1 and 15 <= centre["longest_wait_seconds"] < 120
    ids = [s["id"] for s in snapshot["segments"]]
    assert ids[:2] == ["queue:enterprise", "queue:general"]  # always shown, then the active ones
    assert f"queue:{queue}" in ids and f"expert_group:{group}" in ids
    assert f"queue:expert:{group}" not in ids  # shown once, as its expert-seat group
    mine = next(s for s in snapshot["segments"] if s["id"] == f"queue:{queue}")
    assert mine["today"]["answer_rate"] == 0.5 and mine["waiting"] == 1 and mine["alarm_id"] is None
    assert mine["1h"]["offered"] == 2 and mine["15m"]["abandoned"] == 1 and mine["oldest_waiting_at"]
    [agent] = snapshot["agents"]
    assert (agent["name"], agent["state"], agent["reason"]) == ("话务员1004", "not_ready", "小休")
    series = snapshot["series"]
    assert series[0]["start"] == "00:00" and series[-1]["slot"] == len(series) - 1
    assert sum(s["offered"] for s in series) == centre["today"]["offered"]
    agent_headers = await login(client, "agent1001")
    assert (await client.get("/api/v1/stats/wallboard", headers=agent_headers)).status_code == 403


async def test_metrics_expose_the_same_figures_publicly(client, session, redis):
    queue, group = await _scene(session, redis)
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    rate = {tuple(sorted(s.labels.items())): s.value for s in families["hotline_answer_rate"].samples}
    assert rate[(("segment", queue), ("segment_kind", "queue"), ("window", "today"))] == 0.5
    assert rate[(("segment", group), ("segment_kind", "expert_group"), ("window", "1h"))] == 1.0
    waiting = {s.labels["segment"]: s.value for s in families["hotline_calls_waiting"].samples}
    assert waiting["all"] == 1 and waiting[queue] == 1
    offered = {tuple(sorted(s.labels.items())): s.value for s in families["hotline_calls_offered"].samples}
    assert offered[(("segment", queue), ("segment_kind", "queue"), ("window", "15m"))] == 2
    agents = {s.labels["state"]: s.value for s in families["hotline_agents"].samples}
    assert agents == {"not_ready": 1}
    assert families["hotline_answer_rate_target"].samples[0].value == 0.95
    assert "process_cpu_seconds_total" in response.text or "python_info" in response.text


async def test_wallboard_page_is_served(client):
    page = await client.get("/wallboard/")
    assert page.status_code == 200 and "实时监控大屏" in page.text and page.headers["cache-control"] == "no-cache"
    assert (await client.get("/wallboard")).status_code in (301, 307)
    script = await client.get("/wallboard/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
