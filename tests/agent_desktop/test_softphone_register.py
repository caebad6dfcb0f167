"""The browser softphone registers to the real Asterisk over WebSocket as webrtc<ext> (JsSIP in
Debian's Chromium, fake microphone) and says so on the page; a wrong password is shown plainly."""
from __future__ import annotations

from playwright.async_api import expect

from pbx import process
from tests.agent_desktop.test_desktop_page import sign_in
from tests.browser import artifact_path, chromium, desk_page
from tests.live_server import live_server

WAIT_MS = 15_000


async def test_softphone_registers_over_websocket(pbx_resources, pbx_settings):
    async with live_server(pbx_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in(page, base, "agent1003")
        await expect(page.locator("body")).to_have_attribute("data-sip", "registered", timeout=WAIT_MS)
        await expect(page.locator("#sip-status")).to_have_text("软电话：已注册")
        marks = await page.evaluate("window.desktop.phone.marks")
        contacts = process.cli(pbx_settings, "pjsip show contacts")
        assert "webrtc1003/" in contacts
        print(f"\nREGISTER (WebSocket open + 401 + 200): {marks['registered'] - marks['registerStart']:.0f} ms")
        await page.screenshot(path=str(artifact_path("desktop-04-registered.png")))
