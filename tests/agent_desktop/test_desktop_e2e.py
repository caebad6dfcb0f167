"""The agent desktop end to end, in Debian's Chromium (headless, fake microphone) against the real
Asterisk, the ARI worker and the platform: an agent signs in, registers, goes ready; a caller
(sipp on the carrier address 127.0.0.2) dials 12345; the page rings with the screen pop (number,
history, the open ticket's progress - R-07); the agent answers, media flows both ways (WebRTC
getStats), fills and submits the ticket (R-05) which PostgreSQL links to the call and its
recording; the agent hangs up into wrap-up, then is ready again. Second test: the emergency
hand-off from the page reaches the emergency centre (sipp on 127.0.0.3; a free port there rather
than 5060, so parallel runs never answer each other's INVITEs) as an INVITE for 110 (R-04).
Third: an attended transfer to an expert seat picked by department (R-06). Screenshots of
every step go to test-artifacts/."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import utcnow
from models import Call, Recording, Ticket, User
from tests.browser import artifact_path, chromium, desk_page
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.telephony_sipp import CARRIER_IP, EMERGENCY_IP, answerer_scenario, caller_scenario

pytestmark = pytest.mark.timeout(240)
STEP_MS = 15_000
RING_MS = 40_000  # menu (key 1) + queue + offer, with the worker's prompts


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(artifact_path(f"e2e-{name}.png")))


async def poll(check, timeout: float, what: str):
    """Await check() until it returns something truthy, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.1)  # the polling interval of a bounded wait, not a fixed delay


async def seed_history(resources, base: str, number: str) -> dict[str, str]:
    """An earlier answered call and two earlier requests of the caller (through the API): one
    still open, one answered directly - what the screen pop must show. Returns ticket numbers."""
    before = utcnow() - timedelta(days=2)
    async with resources.sessionmaker() as session:
        agent = await session.scalar(select(User).where(User.username == "agent1002"))
        session.add(Call(channel_id=f"seed-{number}-{time.time()}", app="seed", caller_number=number,
                         started_at=before, answered_at=before, ended_at=before + timedelta(seconds=80),
                         phase="ended", disposition="answered", agent_id=agent.id))
        await session.commit()
    common = {"channel": "phone", "caller": {"name": "王先生", "phone": number}, "region_code": "510107",
              "address": "武侯区玉林北路8号", "occurred_at": before.isoformat()}
    requests = {
        "open": {"category": "complaint", "content": "小区噪音扰民，夜间施工不停"},
        "answered": {"category": "consultation", "content": "咨询居住证办理材料",
                     "direct_answer": {"answer": "按知识库答复：身份证、租房合同"}},
        # a neighbour reported the same broken lamp: a duplicate candidate (并单, R-07)
        "neighbour": {"category": "help", "content": "玉林北路8号小区东门路灯坏了一周，晚上很黑",
                      "caller": {"name": "赵女士", "phone": "13900000008"}, "address": "武侯区玉林北路8号小区东门"},
    }
    async with httpx.AsyncClient(base_url=f"http://{base}") as http:
        token = await http.post("/api/v1/auth/token", data={"username": "agent1002", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        numbers = {}
        for key, body in requests.items():
            response = await http.post("/api/v1/tickets", json={**common, **body}, headers=headers)
            assert response.status_code == 201, response.text
            numbers[key] = response.json()["number"]
    return numbers


async def sign_in_ready(page: Page, base: str, username: str) -> None:
    await page.goto(f"http://{base}/desktop/")
    await page.fill("#login-username", username)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("body")).to_have_attribute("data-sip", "registered", timeout=STEP_MS)
    await page.click("#btn-ready")
    await expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready", timeout=STEP_MS)


def start_caller(sipp, number: str):
    """The carrier's caller: keys nothing (the menu's timeout sends it to the general queue),
    echoes whatever audio it gets back (RTP echo), and stays until the platform hangs up."""
    return sipp.start(caller_scenario(number=number, audio=None, hang_up=False),
                      ip=CARRIER_IP, service="12345", extra=("-rtp_echo",), name=f"caller-{number}")


async def media_both_ways(page: Page) -> dict:
    async def stats():
        s = await page.evaluate("window.desktop.phone.stats()")
        return s if s and s["packetsSent"] > 0 and s["packetsReceived"] > 0 else None
    return await poll(stats, 15, "RTP both ways (getStats)")


async def test_call_rings_is_answered_ticketed_and_wrapped_up(
        pbx_resources, pbx_settings, desk_engine, desk_workers, desk_sipp):
    number = "13800138001"
    async with live_server(pbx_resources) as base, chromium() as browser:
        seeded = await seed_history(pbx_resources, base, number)
        page = await desk_page(browser)
        await sign_in_ready(page, base, "agent1001")
        await shot(page, "01-ready")

        caller = start_caller(desk_sipp, number)
        panel = page.locator("#call-panel")
        await expect(panel).to_have_attribute("data-call", "ringing", timeout=RING_MS)
        await expect(page.locator("body")).to_have_attribute("data-ringing", "true")
        await expect(page.locator("#call-number")).to_have_text(number)
        pop = page.locator("#screen-pop")
        await expect(pop).to_have_attribute("data-loaded", "true", timeout=STEP_MS)
        await expect(page.locator("#pop-number")).to_have_text(number)
        await expect(page.locator("#pop-ivr")).to_have_text("未按键 → 个人事项")
        await expect(page.locator("#pop-open")).to_contain_text(seeded["open"])
        await expect(page.locator("#pop-open .progress")).to_have_count(1)
        await expect(page.locator("#pop-history")).to_contain_text(seeded["answered"])
        await expect(page.locator("#pop-calls li")).to_have_count(1)
        await expect(page.locator("#ticket-form [name=caller_phone]")).to_have_value(number)
        await shot(page, "02-ringing-screen-pop")

        await page.click("#btn-answer")
        await expect(panel).to_have_attribute("data-call", "talking", timeout=STEP_MS)
        assert await page.get_attribute("body", "data-ringing") is None
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "on_call", timeout=STEP_MS)
        stats = await media_both_ways(page)
        call_id = int(await page.evaluate("window.desktop.call.callId"))
        await expect(page.locator("#call-timer")).not_to_have_text("00:00", timeout=STEP_MS)
        await page.click("#pop-open [data-tell]")  # the old matter's progress told, on record
        await expect(page.locator("#pop-open li[data-told='true']")).to_have_count(1, timeout=STEP_MS)
        await page.click("#btn-hold")  # through the platform: the caller hears music (call.held)
        await expect(panel).to_have_attribute("data-call", "held", timeout=STEP_MS)
        await page.click("#btn-hold")
        await expect(panel).to_have_attribute("data-call", "talking", timeout=STEP_MS)
        await page.click("#btn-mute")
        await expect(page.locator("#btn-mute")).to_have_attribute("aria-pressed", "true")
        await page.click("#btn-mute")
        await page.click("#btn-keypad")
        await page.click("[data-dtmf='5']")
        await expect(page.locator("#dtmf-sent")).to_have_text("5")
        await shot(page, "03-talking")

        form = page.locator("#ticket-form")
        await form.locator("[name=caller_name]").fill("王先生")
        await form.locator("[name=category]").select_option("complaint")
        await form.locator("#btn-now").click()
        await form.locator("[name=region_city]").select_option("510100")
        await expect(form.locator("[name=region_county] option[value='510107']")).to_have_count(1)
        await form.locator("[name=region_county]").select_option("510107")
        await form.locator("[name=address]").fill("武侯区玉林北路8号小区东门")
        await form.locator("[name=content]").fill("小区东门路灯损坏已一周，夜间出行不便，请尽快维修。")
        await form.locator("input[name=special][value=none]").check()
        await expect(page.locator("#duplicate-list")).to_contain_text(seeded["neighbour"], timeout=STEP_MS)
        await shot(page, "04-form-filled-duplicates")
        await form.locator("#btn-submit").click()
        await expect(page.locator("#form-ok")).to_contain_text("已提交：工单号", timeout=STEP_MS)
        ticket_number = (await page.inner_text("#form-ok")).split("工单号 ")[1].split("（")[0]
        await shot(page, "05-ticket-submitted")

        await page.click("#btn-hangup")
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up", timeout=STEP_MS)
        await expect(page.locator("#wrapup")).to_be_visible()
        await shot(page, "06-wrap-up")
        assert await asyncio.to_thread(caller.wait, 20) == 0, caller.log_tail()

        async def recorded():
            async with AsyncSession(desk_engine) as session:
                call = await session.get(Call, call_id)
                return call if call.recording_id else None
        call = await poll(recorded, 30, "recording stored")
        async with AsyncSession(desk_engine) as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.number == ticket_number))
            recording = await session.get(Recording, call.recording_id)
        assert ticket.call_id == str(call_id) and ticket.category == "complaint" and ticket.region_code == "510107"
        assert recording.call_id == call_id and (Path(pbx_settings.recordings.recordings_dir) / recording.path).is_file()
        assert call.caller_number == number and call.disposition == "answered"

        await expect(page.locator("#agent-state")).to_have_attribute(
            "data-state", "ready", timeout=(pbx_settings.calls.wrap_up_seconds + 10) * 1000)
        await expect(page.locator("#count-answered")).to_have_text("1")
        await expect(page.locator("#count-tickets")).to_have_text("1")
        await shot(page, "07-ready-again")
        marks = await page.evaluate("window.desktop.phone.marks")
        print(f"\nREGISTER {marks['registered'] - marks['registerStart']:.0f} ms; "
              f"call.offered event → INVITE in the page {marks['offered'] - marks['offerEvent']:.0f} ms; "
              f"answer click → media (confirmed) {marks['talking'] - marks['answerClicked']:.0f} ms; "
              f"RTP sent/received {stats['packetsSent']}/{stats['packetsReceived']} ({stats['codec']})")


async def test_emergency_handoff_from_the_page_reaches_110(
        pbx_resources, pbx_settings, desk_workers, desk_sipp):
    """R-04: one click (and a confirmation) and the emergency centre gets the INVITE for 110."""
    host, port = pbx_settings.telephony.emergency_address.split(":")
    assert host == EMERGENCY_IP
    centre = desk_sipp.start(answerer_scenario(ring_ms=200), ip=EMERGENCY_IP, port=int(port), target=False,
                             name="emergency-centre")
    async with live_server(pbx_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in_ready(page, base, "agent1002")
        caller = start_caller(desk_sipp, "13800138002")
        await expect(page.locator("#call-panel")).to_have_attribute("data-call", "ringing", timeout=RING_MS)
        await page.click("#btn-answer")
        await expect(page.locator("#call-panel")).to_have_attribute("data-call", "talking", timeout=STEP_MS)
        await page.click("button[data-service='110']")
        await expect(page.locator("#confirm-dialog")).to_be_visible()
        await expect(page.locator("#confirm-text")).to_contain_text("110 报警")
        await shot(page, "08-emergency-confirm")
        await page.click("#confirm-ok")
        await expect(page.locator("#controls")).to_have_attribute("data-emergency-phase", "connected", timeout=STEP_MS)
        await expect(page.locator("#emergency-state")).to_contain_text("110 报警 已接通")
        await shot(page, "09-emergency-connected")
        messages = (Path(desk_sipp.workdir) / "emergency-centre.msg").read_text(errors="replace")
        assert "INVITE sip:110@" in messages
        await page.click("#btn-hangup")  # the caller stays with 110 (three-way), the agent leaves
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up", timeout=STEP_MS)
        await asyncio.to_thread(caller.kill)
        await asyncio.to_thread(centre.kill)


async def test_attended_transfer_to_an_expert_seat(pbx_resources, pbx_settings, desk_workers, desk_sipp):
    """R-06: the agent picks the housing expert by department, consults (the caller hears music),
    completes the transfer and is free for wrap-up; every step is shown as it happens."""
    expert = desk_sipp.phone("2003", pbx_settings.demo.demo_password.get_secret_value(), name="expert-2003")
    async with live_server(pbx_resources) as base, chromium() as browser:
        page = await desk_page(browser)
        await sign_in_ready(page, base, "agent1003")
        caller = start_caller(desk_sipp, "13800138003")
        await expect(page.locator("#call-panel")).to_have_attribute("data-call", "ringing", timeout=RING_MS)
        await page.click("#btn-answer")
        await expect(page.locator("#call-panel")).to_have_attribute("data-call", "talking", timeout=STEP_MS)
        dept = page.locator("#expert-dept")
        await dept.select_option(label=await dept.locator("option", has_text="住房").first.inner_text())
        await page.locator("#expert-seat").select_option("2003")
        await page.click("#btn-transfer-attended")
        await expect(page.locator("#control-state")).to_contain_text("咨询中", timeout=STEP_MS)
        await expect(page.locator("#consult-row")).to_be_visible()
        await shot(page, "10-consulting-expert")
        await page.click("#btn-transfer-complete")
        await expect(page.locator("#control-state")).to_contain_text("已转接给 住房建设专家（2003）", timeout=STEP_MS)
        await expect(page.locator("#call-panel")).to_have_attribute("data-call", "ended", timeout=STEP_MS)
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up", timeout=STEP_MS)
        await shot(page, "11-transferred")
        assert expert.running and caller.running  # the caller now talks with the expert seat
