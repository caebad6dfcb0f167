"""The supervisor's monitor buttons on the wallboard, end to end in Debian's Chromium against the
real Asterisk, the ARI worker and the platform (issue 15): a caller (sipp, 127.0.0.2) talks with
agent 1001 (a sipp phone); the supervisor signs in to the wallboard, whose softphone registers
seat 3001 (webrtc3001, JsSIP); 监听 next to the talking agent makes the platform ring that
softphone, which answers by itself; audio reaches the page (WebRTC getStats); 密语 / 强插 switch
the mode, 结束监听 ends it; the call's events record each step. Screenshots in test-artifacts/."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import CallEvent
from tests.agent_desktop.test_desktop_e2e import poll
from tests.browser import artifact_path, chromium
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.telephony_sipp import CARRIER_IP, caller_scenario, write_tone_pcap

pytestmark = pytest.mark.timeout(240)
STEP_MS = 15_000
WALLBOARD_VIEWPORT = {"width": 1600, "height": 1000}


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(artifact_path(f"wallboard-monitor-{name}.png")), full_page=True)


async def sign_in(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    token = await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_wallboard_buttons_listen_whisper_barge_and_stop(pbx_resources, desk_engine, desk_workers, desk_sipp,
                                                               desk_asterisk, tmp_path):
    tone = str(write_tone_pcap(tmp_path / "agent1000.pcap", frequency=1000, seconds=90))
    agent_phone = desk_sipp.phone("1001", desk_asterisk.sip_password("1001"), audio=tone, name="agent")
    caller = desk_sipp.start(caller_scenario(number="13800138061", audio=tone, hang_up=False), ip=CARRIER_IP,
                             service="12345", name="caller")
    async with live_server(pbx_resources) as base, chromium() as browser, \
            httpx.AsyncClient(base_url=f"http://{base}") as http:
        agent = await sign_in(http, "agent1001")
        ready = await http.put("/api/v1/acd/agents/me/state", json={"state": "ready"}, headers=agent)
        assert ready.status_code == 200, ready.text

        async def talking():
            me = (await http.get("/api/v1/acd/agents/me", headers=agent)).json()
            return me if me["state"] == "on_call" and me.get("call_id") else None
        me = await poll(talking, 60, "agent 1001 talking")
        call_id = me["call_id"]

        page = await browser.new_page(viewport=WALLBOARD_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        await page.goto(f"http://{base}/wallboard/")
        await page.fill("#login-username", "supervisor")
        await page.fill("#login-password", DEMO_PASSWORD)
        await page.click("#login-submit")
        await expect(page.locator("body")).to_have_attribute("data-sip", "registered", timeout=STEP_MS)
        row = page.locator(f"#agents tr[data-agent='{me['user_id']}']")
        listen = row.locator("[data-monitor=listen]")
        await expect(listen).to_be_enabled(timeout=STEP_MS)
        await expect(row.locator("[data-monitor]")).to_have_count(3)
        await shot(page, "01-buttons")

        panel = page.locator("#monitor-panel")
        await listen.click()
        await expect(panel).to_have_attribute("data-monitor", "active", timeout=STEP_MS)  # rung, answered itself
        await expect(page.locator("#monitor-status")).to_contain_text("监听中")
        await expect(row.locator(".monitor-cell")).to_have_attribute("data-monitored", "listen")

        async def hearing():
            stats = await page.evaluate("window.wallboardMonitor.phone.stats()")
            return stats if stats and stats["packetsReceived"] > 50 else None
        stats = await poll(hearing, 15, "the call's audio at the supervisor's softphone")
        await shot(page, "02-listening")

        await page.click("#monitor-actions [data-mode=whisper]")
        await expect(panel).to_have_attribute("data-mode", "whisper", timeout=STEP_MS)
        await expect(page.locator("#monitor-status")).to_contain_text("密语中")
        await shot(page, "03-whisper")
        await row.locator("[data-monitor=barge]").click()  # the row's buttons switch the mode too
        await expect(panel).to_have_attribute("data-mode", "barge", timeout=STEP_MS)
        await shot(page, "04-barge")
        await page.click("#monitor-stop")
        await expect(panel).to_have_attribute("data-monitor", "idle", timeout=STEP_MS)
        await expect(page.locator("#monitor-status")).to_have_text("未在监听")
        await shot(page, "05-stopped")

        async def monitor_events():
            async with AsyncSession(desk_engine) as session:
                rows = (await session.scalars(select(CallEvent).where(
                    CallEvent.call_id == call_id, CallEvent.type.like("monitor_%")).order_by(CallEvent.id))).all()
            return rows if rows and rows[-1].type == "monitor_stopped" else None
        events = await poll(monitor_events, 15, "monitor events recorded")
        assert [(e.type, e.detail["mode"]) for e in events] == [
            ("monitor_started", "listen"), ("monitor_mode_changed", "whisper"), ("monitor_mode_changed", "barge"),
            ("monitor_stopped", "barge")]
        assert all(e.detail["supervisor"] == "supervisor" and e.detail["extension"] == "3001" for e in events)
        hung = await http.post(f"/api/v1/calls/{call_id}/hangup", headers=agent)
        assert hung.status_code == 200, hung.text
        assert await asyncio.to_thread(caller.wait, 20) == 0 and await asyncio.to_thread(agent_phone.wait, 20) == 0
        print(f"\nsupervisor softphone RTP sent/received {stats['packetsSent']}/{stats['packetsReceived']} "
              f"({stats['codec']})")
