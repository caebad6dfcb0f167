"""The desktop page in headless Chromium against the real platform (no telephony needed here):
sign-in, the websocket client's reconnect + reload, the region picker, the draft that survives
a reload, errors shown in place (R-05, R-07)."""
from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser import artifact_path, chromium, desk_page
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server

WAIT_MS = 10_000


async def sign_in(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    await page.goto(f"http://{base}/desktop/")
    await page.fill("#login-username", username)
    await page.fill("#login-password", password)
    await page.click("#login-submit")


async def test_sign_in_and_live_channel(live_resources):
    """Wrong password is said plainly; the right one opens the desk with its websocket connected,
    and a dropped socket reconnects and reloads the state over REST."""
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1001", "wrong-password")
        await expect(page.locator("#login-error")).to_contain_text("用户名或密码错误", timeout=WAIT_MS)
        await page.screenshot(path=str(artifact_path("desktop-01-login-error.png")))
        await page.fill("#login-password", DEMO_PASSWORD)
        await page.click("#login-submit")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("#agent-name")).to_have_text("话务员1001")
        await expect(page.locator("#agent-ext")).to_have_text("1001")
        await expect(page.locator("#live-status")).to_have_attribute("data-state", "on", timeout=WAIT_MS)
        reloads = await page.evaluate("window.__reloads = 0; const r = window.desktop.reload.bind(window.desktop);"
                                      "window.desktop.reload = () => { window.__reloads++; return r(); }; 0")
        await page.evaluate("window.desktop.live.drop()")
        await expect(page.locator("#live-status")).to_have_attribute("data-state", "wait", timeout=WAIT_MS)
        await expect(page.locator("#live-status")).to_have_attribute("data-state", "on", timeout=WAIT_MS)
        assert await page.evaluate("window.__reloads") == reloads + 1
        await page.screenshot(path=str(artifact_path("desktop-02-signed-in.png")))


async def test_ticket_draft_survives_a_reload_and_errors_show_in_place(live_resources):
    """Everything typed (region picker included) is back after a reload; missing fields are marked."""
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1002")
        form = page.locator("#ticket-form")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await form.locator("[name=caller_name]").fill("张女士")
        await form.locator("[name=caller_phone]").fill("13800138000")
        await form.locator("#btn-submit").click()
        await expect(page.locator("#form-error")).to_contain_text("请填写诉求内容")
        await expect(form.locator("[name=content]")).to_have_class("invalid")
        await form.locator("[name=region_city]").select_option(label="成都市")
        await expect(form.locator("[name=region_county] option", has_text="武侯区")).to_have_count(1, timeout=WAIT_MS)
        await form.locator("[name=region_county]").select_option(label="武侯区")
        await expect(form.locator("[name=region_town] option", has_text="玉林街道")).to_have_count(1, timeout=WAIT_MS)
        await form.locator("[name=region_town]").select_option(label="玉林街道")
        await form.locator("[name=content]").fill("小区门口道路井盖破损，夜间有安全隐患，请尽快修复。")
        await form.locator("[name=enterprise_related]").check()
        await form.locator("input[name=special][value=special]").check()
        await page.reload()
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("#draft-state")).to_have_text("已恢复未提交的草稿", timeout=WAIT_MS)
        await expect(form.locator("[name=caller_name]")).to_have_value("张女士")
        await expect(form.locator("[name=content]")).to_have_value("小区门口道路井盖破损，夜间有安全隐患，请尽快修复。")
        await expect(form.locator("[name=region_town]")).to_have_value("510107003")
        assert await form.locator("[name=enterprise_related]").is_checked()
        assert await form.locator("input[name=special][value=special]").is_checked()
        await page.screenshot(path=str(artifact_path("desktop-03-draft-restored.png")))


async def test_microphone_refusal_is_said_plainly(live_resources):
    """A refused microphone (what a browser's permission prompt answers) is shown in words, not a code."""
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await page.add_init_script("navigator.mediaDevices.getUserMedia = () => "
                                   "Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));")
        await sign_in(page, base, "agent1004")
        await expect(page.locator("#media-error")).to_contain_text("麦克风权限被拒绝", timeout=WAIT_MS)
        await page.screenshot(path=str(artifact_path("desktop-05-microphone-refused.png")))


async def test_direct_answer_and_server_errors_in_place(live_resources):
    """R-06: a direct answer is recorded instead of a ticket; a server refusal (time of the matter
    in the future) is shown at the form and nothing typed is lost."""
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1005")
        form = page.locator("#ticket-form")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await form.locator("[data-mode=answer]").click()
        await expect(form.locator("#btn-submit")).to_have_text("记录直接答复")
        await form.locator("[name=caller_phone]").fill("13700137000")
        await form.locator("[name=category]").select_option("consultation")
        await form.locator("[name=region_city]").select_option("510100")
        await form.locator("[name=address]").fill("成都市青羊区")
        await form.locator("[name=content]").fill("咨询新生儿医保参保办理流程")
        await form.locator("[name=direct_answer]").fill("出生后三个月内携带出生医学证明到社区办理参保。")
        await form.locator("[name=occurred_at]").fill("2099-01-01T09:00")
        await form.locator("#btn-submit").click()
        await expect(page.locator("#form-error")).to_contain_text("事发时间不能晚于当前时间", timeout=WAIT_MS)
        await expect(form.locator("[name=direct_answer]")).to_have_value("出生后三个月内携带出生医学证明到社区办理参保。")
        await page.screenshot(path=str(artifact_path("desktop-06-server-error.png")))
        await form.locator("#btn-now").click()
        await form.locator("#btn-submit").click()
        await expect(page.locator("#form-ok")).to_contain_text("直接答复办结", timeout=WAIT_MS)
        await expect(page.locator("#count-answers")).to_have_text("1")
        assert await form.locator("[name=content]").input_value() == ""


async def test_signing_out_leaves_no_callers_data_in_the_browser(live_resources):
    """R-35: the ticket draft (caller's name, number, request) goes with a deliberate sign-out, so
    the next person at the workstation finds nothing of it in the browser's storage."""
    async with live_server(live_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1003")
        form = page.locator("#ticket-form")
        await expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
        await form.locator("[name=caller_name]").fill("王先生")
        await form.locator("[name=caller_phone]").fill("13900139000")
        await form.locator("[name=content]").fill("反映小区供水水压不足。")
        await expect(page.locator("#draft-state")).to_have_text("草稿已自动保存", timeout=WAIT_MS)
        stored = "JSON.stringify(Object.entries(localStorage))"
        assert "13900139000" in await page.evaluate(stored)  # the draft that survives a reload
        await page.click("#btn-logout")
        await expect(page.locator("#login-view")).to_be_visible(timeout=WAIT_MS)
        left = await page.evaluate(stored)
        assert "13900139000" not in left and "王先生" not in left
