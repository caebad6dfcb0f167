"""The desktop's 漏接回拨 list in headless Chromium: open missed-call tasks with their due time,
the overdue one marked, and the one-click call back asking the API for the call
(no worker serves this database's seats: the API gives up and the page says so)."""
from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from core.timeutil import utcnow
from models import CallbackTask
from tests.agent_desktop.test_desktop_page import WAIT_MS, sign_in
from tests.browser import artifact_path, chromium, desk_page
from tests.live_server import live_server


async def test_missed_call_tasks_and_one_click_call_back(live_resources):
    now = utcnow()
    async with live_resources.sessionmaker() as session:
        overdue = CallbackTask(kind="missed_call", phone="13800990001", status="open", created_at=now - timedelta(hours=3),
                               due_at=now - timedelta(hours=1), abandons=2, attempts=0)
        fresh = CallbackTask(kind="missed_call", phone="13800990002", status="open", created_at=now,
                             due_at=now + timedelta(hours=2), abandons=1, attempts=0)
        session.add_all([overdue, fresh])
        await session.commit()
        ids = (overdue.id, fresh.id)
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1001")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        first = page.locator(f"#callback-tasks li[data-task-id='{ids[0]}']")
        await expect(first).to_have_class("callback overdue", timeout=WAIT_MS)
        await expect(first).to_contain_text("13800990001")
        await expect(first).to_contain_text("已超时")
        await expect(first).to_contain_text("漏接 2 次")
        second = page.locator(f"#callback-tasks li[data-task-id='{ids[1]}']")
        await expect(second).to_have_class("callback")
        await expect(second).to_contain_text("应于")
        await page.locator("#callback-tasks").screenshot(path=str(artifact_path("desktop-callback-tasks.png")))
        async with page.expect_request("**/api/v1/calls/outbound") as request:
            await first.locator("button").click()
        assert (await request.value).post_data_json == {"number": "13800990001", "callback_id": ids[0]}
        await expect(page.locator("#callback-tasks [data-role=state]")).to_contain_text("正在回拨", timeout=WAIT_MS)
        # the API's answer reaches the page: with no worker for this database the order times out (回拨失败);
        # a telephony test's worker alive in the same run may take it (回拨已发起, or 回拨失败 if 1001 is offline)
        await page.wait_for_function(
            "document.querySelector('#banner').textContent.includes('回拨失败') || "
            "document.querySelector('#callback-tasks [data-role=state]').textContent.includes('回拨已发起')",
            timeout=25_000)
        await page.screenshot(path=str(artifact_path("desktop-callback-no-worker.png")))
