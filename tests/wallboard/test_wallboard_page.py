"""The live wallboard in Debian's Chromium (R-05, R-24, R-34): a supervisor signs in, the page shows the
figures, agents, waiting callers and the half-hour chart in Chinese, and a call event changes a figure
on screen without a reload."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from acd.store import AcdStore, QueuedCall
from core.timeutil import BUSINESS_TZ, utcnow
from events.bus import EventBus
from models import User
from stats.figures import day_start
from stats.tasks import StatsWorker
from tests.browser import artifact_path, chromium
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.stats.helpers import add_calls, committing_resources, make_call, random_calls, running


@pytest.fixture
async def live(settings, engine, seeded, redis):
    async with committing_resources(settings, engine, redis, stats_alarm_min_offered=5) as resources:
        yield resources


async def _scene(resources) -> None:
    """Today's history, two callers waiting, three agents in different states."""
    now = utcnow()
    async with resources.sessionmaker() as session:
        await add_calls(session, random_calls(now - timedelta(hours=3), 150, seed=5, queues=("general", "enterprise"),
                                              span_seconds=3 * 3600 - 120))
        users = {u.username: u for u in (await session.scalars(select(User).where(
            User.username.in_(["agent1001", "agent1002", "agent1003"])))).all()}
        await session.commit()
    acd = AcdStore(resources.redis)
    for (username, state, reason), ext in zip((("agent1001", "ready", ""), ("agent1002", "not_ready", "培训"),
                                               ("agent1003", "ready", "")), ("1001", "1002", "1003"), strict=True):
        user = users[username]
        await acd.upsert_profile(user_id=user.id, username=username, display_name=user.display_name, extension=ext,
                                 skills=frozenset({"general"}))
        await acd.request_state(user.id, state, reason, now.timestamp() - 95)
    for call_id, waited in ((900001, 42), (900002, 7)):
        await acd.enqueue(QueuedCall(call_id=call_id, queue="general", entered_at=now.timestamp() - waited, app="hotline"))


async def test_wallboard_shows_figures_and_follows_a_call_event(live):
    await _scene(live)
    bus = EventBus.for_resources(live)
    async with live_server(live) as base, running(StatsWorker(live, interval=3600)), chromium() as browser:
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await page.goto(f"http://{base}/wallboard/")
        await page.fill("#login-username", "supervisor")
        await page.fill("#login-password", DEMO_PASSWORD)
        await page.click("#login-submit")
        await page.wait_for_selector("body[data-loaded='1']", timeout=10_000)
        await page.wait_for_selector("#live-status[data-state='on']", timeout=10_000)
        assert await page.inner_text("#kpi-waiting .value") == "2"
        assert "个人事项" in await page.inner_text("#segments")
        assert "示忙" in await page.inner_text("#agents") and "培训" in await page.inner_text("#agents")
        # the chart is today's (Beijing): the half hours of the last three hours, fewer just after midnight
        today_slots = int((utcnow() - day_start(utcnow(), BUSINESS_TZ)).total_seconds() // 1800)
        assert await page.locator("#chart circle").count() >= min(6, today_slots)
        before = int(await page.inner_text("#kpi-answered .value"))

        async with live.sessionmaker() as session:
            await add_calls(session, [make_call(utcnow() - timedelta(seconds=30), enter=0, answer=3, end=25)])
            await session.commit()
        sent = time.monotonic()
        await bus.publish("call.ended", {"call_id": 0, "queue": "general"})
        await page.wait_for_function(f"document.querySelector('#kpi-answered .value').textContent === '{before + 1}'",
                                     timeout=5_000)
        latency = time.monotonic() - sent
        await page.screenshot(path=str(artifact_path("wallboard.png")), full_page=True)
        artifact_path("wallboard-latency.txt").write_text(f"call event -> figure on screen: {latency * 1000:.0f} ms\n")
        assert latency < 5
