"""Knowledge search in the desktop's direct-answer mode (R-06, R-28…R-30), in headless Chromium."""
from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from models import KnowledgeFeedback
from tests.agent_desktop.test_desktop_page import WAIT_MS, sign_in
from tests.browser import artifact_path, chromium, desk_page
from tests.live_server import live_server


async def test_agent_finds_an_entry_quotes_it_and_reports_an_error(live_resources):
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1003")
        form = page.locator("#ticket-form")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await form.locator("[name=content]").fill("社保卡丢了怎么补办")
        await form.locator("[data-mode=answer]").click()
        # the caller's words are searched at once; Enter in the box searches, it does not submit the form
        hit = form.locator("#knowledge-list li", has_text="社会保障卡补换办理指南")
        await expect(hit).to_be_visible(timeout=WAIT_MS)
        await form.locator("[name=knowledge_q]").press("Enter")
        await expect(page.locator("#form-ok")).to_be_hidden()
        await hit.locator("[data-act=quote]").click()
        await expect(form.locator("[name=direct_answer]")).to_have_value(
            "【依据：社会保障卡补换办理指南（四川省人力资源和社会保障厅）】" + await hit.locator("p").inner_text())
        await page.screenshot(path=str(artifact_path("desktop-knowledge-search.png")))
        page.once("dialog", lambda dialog: dialog.accept("应补充线上补卡的邮寄时限"))
        await hit.locator("[data-act=report]").click()
        await expect(form.locator("#knowledge-status")).to_contain_text("已提交纠错", timeout=WAIT_MS)
    async with live_resources.sessionmaker() as session:
        reports = (await session.scalars(select(KnowledgeFeedback.text))).all()
    assert "应补充线上补卡的邮寄时限" in reports
