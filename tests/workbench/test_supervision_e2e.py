"""Supervision, merges, the search's unit filter and recordings in Debian's Chromium, end to end,
with a screenshot of every step (test-artifacts/workbench-sv-NN-*.png).

The scheduler finds a ticket the unit did not sign for in time and a supervisor adds a reminder
(催办) by hand: the supervision view shows both unread; the unit's staff member (another browser)
opens them and the supervisor then sees who read them and when. The supervisor records a formal
interview (约谈) of the unit, which the unit sees too. A dispatcher merges a report into a duplicate
ordinary ticket from its page (并单) and the reporter stays 保密 to the unit; the search narrows by
unit through the unit picker; a supervisor plays a linked call's recording, which the unit never sees.
"""
from __future__ import annotations

import hashlib
import math
import struct
import wave
from datetime import timedelta

import httpx
from playwright.async_api import Page

from core.timeutil import utcnow
from models import Call, Recording, Ticket
from tests.browser import chromium
from tests.live_server import live_server
from tests.workbench.test_workbench_e2e import (
    WAIT,
    _api,
    _create,
    _dispatch,
    _open_ticket,
    _pick_unit,
    _search,
    _shot,
    _signed_in,
    _unit,
)
from workorders.tasks import run_pass


async def _not_signed_in_time(resources, ticket_id: int) -> None:
    """As if the ticket had been dispatched two weeks ago (its sign-for limit long passed)."""
    async with resources.sessionmaker() as session:
        ticket, back = await session.get(Ticket, ticket_id), timedelta(days=14)
        ticket.dispatched_at, ticket.sign_due_at = ticket.dispatched_at - back, ticket.sign_due_at - back
        ticket.return_due_at, ticket.next_due_at = ticket.return_due_at - back, ticket.sign_due_at
        await session.commit()


async def _supervision(page: Page) -> None:
    """Open (or reload) the supervision view and wait for its data."""
    before = await page.evaluate("document.body.dataset.supervisionLoaded || ''")
    if await page.evaluate("location.hash") == "#supervision":
        await page.evaluate("window.dispatchEvent(new HashChangeEvent('hashchange'))")
    else:
        await page.click('#tabs a[data-ws="supervision"]')
    await page.wait_for_function(f"(document.body.dataset.supervisionLoaded || '') !== {before!r}", timeout=WAIT)


def _wav(path, seconds: float = 1.5) -> bytes:
    """A short 8 kHz tone, as the PBX stores a call (wav, 16-bit mono)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                 for i in range(int(8000 * seconds))))
    return path.read_bytes()


async def test_reminders_are_read_by_the_unit_and_interviews_recorded(workbench_resources):
    resources = workbench_resources
    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent, supervisor = await _api(http, "agent1001"), await _api(http, "supervisor")
        zjj = await _unit(http, agent, "WH-ZJJ")
        late = []
        for content in ("武侯区簇桥街道某小区雨污管网堵塞，污水漫溢", "武侯区红牌楼某路口井盖破损，存在安全隐患"):
            ticket = await _dispatch(http, supervisor, (await _create(http, agent, content=content))["id"], zjj)
            await _not_signed_in_time(resources, ticket["id"])
            late.append(ticket)
        report = await run_pass(resources.sessionmaker, resources.redis, resources.settings)
        assert all((t["id"], "overdue_sign") in report.flagged for t in late)
        first = late[0]

        # ---- the supervisor: the reminders are unread; another one is sent by hand
        desk = await _signed_in(browser, base, "supervisor")
        await _supervision(desk)
        await desk.wait_for_selector(f'#sv-overdue button[data-remind="{first["id"]}"]', timeout=WAIT)
        records = await desk.inner_text("#sv-records")
        assert "签收超期" in records and "未读" in records
        await desk.click(f'#sv-overdue button[data-remind="{first["id"]}"]')
        await desk.wait_for_selector('#form-dialog[open][data-form="reminder"]', timeout=WAIT)
        await desk.fill('#form-dialog textarea[name="text"]', f"工单 {first['number']} 已超期未签收，请今日内签收并联系诉求人")
        await _shot(desk, "sv-01-reminder-dialog")
        await desk.click("#form-dialog-submit")
        await desk.wait_for_selector('#banner[data-kind="ok"]:not([hidden])', timeout=WAIT)
        await desk.wait_for_selector('#sv-records tr.unread:has-text("督办催办")', timeout=WAIT)
        unread = int(await desk.get_attribute("#sv-unread", "data-count"))
        assert unread >= 3
        await _shot(desk, "sv-02-reminders-unread")

        # ---- the unit's staff member opens the reminders from supervision: they are read
        unit = await _signed_in(browser, base, "wh_zjj")
        await _supervision(unit)
        mine = await unit.inner_text("#sv-records")
        assert "督办催办" in mine and "未读" in mine
        await _shot(unit, "sv-03-unit-reminders")
        await unit.click(f'#sv-records a[data-ticket="{first["id"]}"] >> nth=0')
        await unit.wait_for_function(f"(document.body.dataset.reminders || '').startsWith('{first['id']}:')",
                                     timeout=WAIT)
        await unit.wait_for_function(
            "(() => { const [, n, read] = (document.body.dataset.reminders || '').split(':'); return n === read; })()",
            timeout=WAIT)
        card = await unit.inner_text("#t-reminders")
        assert "已读" in card and "未读" not in card and "武侯区住建交通局经办人" in card
        assert await unit.locator("#t-remind").is_hidden()  # reminders are the hotline's to send
        await _shot(unit, "sv-04-unit-ticket-reminders-read")

        # ---- the supervisor sees who read them and when
        await _supervision(desk)
        row = desk.locator(f'#sv-records tr:has(a[data-ticket="{first["id"]}"])').first
        assert "已读" in await row.inner_text() and "武侯区住建交通局经办人" in await row.inner_text()
        assert int(await desk.get_attribute("#sv-unread", "data-count")) <= unread - 2
        await _shot(desk, "sv-05-reminders-read")

        # ---- a formal interview (约谈) of the unit with repeated findings
        await desk.wait_for_selector(f'#sv-units tr[data-unit="{zjj}"] button[data-interview]', timeout=WAIT)
        await desk.click(f'#sv-units tr[data-unit="{zjj}"] button[data-interview]')
        await desk.wait_for_selector('#form-dialog[open][data-form="interview"] #iv-unit .chip', timeout=WAIT)
        await desk.fill('#form-dialog textarea[name="attendees"]',
                        "武侯区住建交通局 副局长 王五\n武侯区住建交通局 办公室主任 钱七\n成都市12345热线 督办科 赵六")
        await desk.fill('#form-dialog textarea[name="findings"]', "近期多件工单超期未签收，催办后仍未及时处理")
        await desk.fill('#form-dialog textarea[name="follow_up"]', "建立每日签收制度，一周内书面报告整改情况")
        await desk.fill('#form-dialog input[name="tickets"]', f"{first['number']}, {late[1]['number']}")
        await _shot(desk, "sv-06-interview-form")
        await desk.click("#form-dialog-submit")
        await desk.wait_for_selector('#sv-interviews tr[data-interview]:has-text("王五")', timeout=WAIT)
        listed = await desk.inner_text("#sv-interviews")
        assert "武侯区住房建设和交通运输局" in listed and "每日签收制度" in listed
        await _shot(desk, "sv-07-interview-recorded")

        # ---- the unit reads its own interview record
        await _supervision(unit)
        await unit.wait_for_selector('#sv-interviews tr[data-interview]:has-text("每日签收制度")', timeout=WAIT)
        assert await unit.locator("#sv-interview-new").is_hidden()
        await _shot(unit, "sv-08-unit-interviews")


async def test_merge_search_by_unit_and_a_linked_calls_recording(workbench_resources):
    resources = workbench_resources
    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent, supervisor = await _api(http, "agent1001"), await _api(http, "supervisor")
        zjj, cgj = await _unit(http, agent, "WH-ZJJ"), await _unit(http, agent, "WH-CGJ")
        content = "武侯区双楠街道某小区垃圾站长期未清运，臭气熏天蚊蝇滋生"
        primary = await _create(http, agent, content=content, address="成都市武侯区双楠街道某小区")
        reported = await _create(http, agent, category="report", content=content + "，举报物业公司失职",
                                 address="成都市武侯区双楠街道某小区",
                                 caller={"name": "李四", "phone": "13900002222", "confidential": False})

        # ---- the dispatcher merges the report into the ticket from its page (并单)
        desk = await _signed_in(browser, base, "supervisor")
        await desk.goto(f"http://{base}/workbench/#ticket/{primary['id']}")
        await desk.wait_for_selector(f'#t-dups button[data-merge="{reported["id"]}"]', timeout=WAIT)
        await _shot(desk, "sv-09-duplicate-candidates")
        await desk.click(f'#t-dups button[data-merge="{reported["id"]}"]')
        await desk.wait_for_selector('#form-dialog[open][data-form="merge"]', timeout=WAIT)
        await desk.check('#form-dialog input[name="direction"][value="from"]')
        await desk.fill('#form-dialog textarea[name="note"]', "同一垃圾站清运问题，并为一单办理")
        await _shot(desk, "sv-10-merge-confirm")
        await desk.click("#form-dialog-submit")
        await desk.wait_for_selector('#banner[data-kind="ok"]:has-text("已并入")', timeout=WAIT)
        await desk.wait_for_selector("#t-callers tr:nth-child(2)", timeout=WAIT)
        assert "李四" in await desk.inner_text("#t-callers")  # the hotline sees both callers
        assert "并单" in await desk.inner_text("#t-timeline")
        await _shot(desk, "sv-11-merged")
        merged = (await http.get(f"/api/v1/tickets/{reported['id']}", headers=supervisor)).json()
        assert merged["status"] == "merged" and merged["merged_into_id"] == primary["id"]

        # the merge is the hotline's: a unit never gets the candidates, an auditor sees no merge button
        auditor = await _signed_in(browser, base, "auditor")
        other = await _create(http, agent, content=content + "，多次反映无果", address="成都市武侯区双楠街道某小区")
        await auditor.goto(f"http://{base}/workbench/#ticket/{other['id']}")
        await auditor.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{other['id']}:')",
                                        timeout=WAIT)
        assert await auditor.locator("#t-dups button[data-merge]").count() == 0

        # ---- dispatched to the unit: the merged reporter stays 保密 there
        await _dispatch(http, supervisor, primary["id"], zjj)
        elsewhere = await _dispatch(http, supervisor, (await _create(
            http, agent, content="武侯区某街道占道经营影响通行", domain="urban_management"))["id"], cgj)
        unit = await _signed_in(browser, base, "wh_zjj")
        await unit.wait_for_selector(f'tr[data-id="{primary["id"]}"]', timeout=WAIT)
        await _open_ticket(unit, primary["id"])
        shown = await unit.inner_text("#ticket-view")
        assert "保密" in shown and "李四" not in shown and "13900002222" not in shown
        assert await unit.locator("#t-dups-box").is_hidden() and await unit.locator("#t-calls-box").is_hidden()
        await _shot(unit, "sv-12-unit-merged-reporter-hidden")

        # ---- the search narrows by unit with the unit picker
        await desk.click('#tabs a[data-ws="search"]')
        await desk.wait_for_selector("#f-unit .picker-input", timeout=WAIT)
        await _pick_unit(desk, "#f-unit", "WH-ZJJ")
        assert "武侯区住房建设和交通运输局" in await desk.inner_text("#f-unit .chip")
        await _search(desk)
        await desk.wait_for_selector(f'#ticket-table tr[data-id="{primary["id"]}"]', timeout=WAIT)
        assert await desk.locator(f'#ticket-table tr[data-id="{elsewhere["id"]}"]').count() == 0
        await _shot(desk, "sv-13-search-by-unit")
        await desk.click("#f-reset")
        await desk.wait_for_selector("#f-unit .chip", state="detached", timeout=WAIT)

        # ---- a linked call's recording, played by the supervisor (the unit never sees calls)
        async with resources.sessionmaker() as session:
            call = Call(channel_id=f"sv-e2e-{utcnow().timestamp()}", app="hotline", caller_number="13800001111",
                        phase="ended", region_code="510107", started_at=utcnow() - timedelta(minutes=5),
                        answered_at=utcnow() - timedelta(minutes=4), ended_at=utcnow() - timedelta(minutes=2))
            session.add(call)
            await session.flush()
            relative = f"sv-e2e/call-{call.id}.wav"
            audio = _wav(resources.settings.recordings.recordings_dir / relative)
            recording = Recording(call_id=call.id, path=relative, duration_seconds=1.5, size_bytes=len(audio),
                                  sha256=hashlib.sha256(audio).hexdigest(), retain_until=utcnow() + timedelta(days=180))
            session.add(recording)
            await session.flush()
            call.recording_id = recording.id
            await session.commit()
            call_id, recording_id = call.id, recording.id
        called = await _create(http, agent, content="武侯区某小区夜间施工噪音扰民", call_id=call_id)
        await desk.goto(f"http://{base}/workbench/#ticket/{called['id']}")
        await desk.wait_for_selector(f'#t-calls button[data-play="{recording_id}"]', timeout=WAIT)
        await desk.click(f'#t-calls button[data-play="{recording_id}"]')
        await desk.wait_for_function(f"document.body.dataset.recordingLoaded === '{recording_id}'", timeout=WAIT)
        source = await desk.get_attribute("#t-calls audio", "src")
        assert source.startswith("blob:")
        duration = await desk.evaluate("""() => new Promise((resolve) => {
            const audio = document.querySelector('#t-calls audio');
            if (audio.readyState >= 1) resolve(audio.duration);
            else audio.addEventListener('loadedmetadata', () => resolve(audio.duration), { once: true });
        })""")
        assert 1.0 < duration < 2.0  # the real file, fetched with the bearer token
        await _shot(desk, "sv-14-recording")
