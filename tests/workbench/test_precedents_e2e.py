"""The ticket workbench in Debian's Chromium: coordinated precedents in the dispatch form (R-08)
and attachments on the ticket page.

A coordinated dispatch records a precedent over the API; the next ticket of that area shows it in
its dispatch form with its units, and 采用 fills the lead and co-unit pickers with them. A photo
is added from the ticket page and downloaded through the token; the unit adds its proof of
handling; a confidential caller's file never appears on the unit's page. (The tickets here avoid
the words other workbench tests search for: the database is shared by the run.)
"""
from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import Browser, Page

from tests.browser import DESK_VIEWPORT, artifact_path, chromium
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.workorders.helpers import ticket_body

WAIT = 15_000
MATTER = "小区供水加压泵房维护"


async def _signed_in(browser: Browser, base: str, username: str) -> Page:
    context = await browser.new_context(viewport=DESK_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(f"http://{base}/workbench/")
    await page.fill("#login-username", username)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_selector("#app-view:not([hidden])", timeout=WAIT)
    return page


async def _api(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _create(http, headers, **overrides) -> dict:
    response = await http.post("/api/v1/tickets", headers=headers, json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _unit(http, headers, code: str) -> int:
    units = (await http.get("/api/v1/org/units", headers=headers)).json()
    return next(u["id"] for u in units if u["code"] == code)


async def _open_ticket(page: Page, ticket_id: int) -> None:
    await page.evaluate(f"location.hash = '#ticket/{ticket_id}'")
    await page.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{ticket_id}:')", timeout=WAIT)
    await page.wait_for_selector("#t-timeline li", timeout=WAIT)


async def test_a_precedent_is_offered_and_adopted_in_the_dispatch_form(workbench_resources):
    async with live_server(workbench_resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent = await _api(http, "agent1001")
        water, zjj = await _unit(http, agent, "CD-WATER"), await _unit(http, agent, "WH-ZJJ")
        first = await _create(http, agent, content="玉林小区供水加压泵房噪声大，水压不足", domain="water")
        response = await http.post(f"/api/v1/tickets/{first['id']}/actions/dispatch", headers=agent, json={
            "lead_unit_id": water, "co_unit_ids": [zjj], "coordinated": True, "matter": MATTER})
        assert response.status_code == 200 and response.json()["precedent_id"], response.text
        later = await _create(http, agent, content="武侯区某小区供水加压泵房损坏，停水两天", domain="water")

        desk = await _signed_in(browser, base, "supervisor")
        await _open_ticket(desk, later["id"])
        await desk.click('#t-actions button[data-step="dispatch"]')
        await desk.wait_for_selector('#action-dialog[open][data-step="dispatch"]', timeout=WAIT)
        row = desk.locator("#pc-list li", has_text=MATTER).first
        await row.wait_for(timeout=WAIT)
        text = await row.inner_text()
        assert "成都市自来水有限责任公司" in text, text  # the lead unit by name
        assert "协办" in text, text
        await row.locator("button.pc-use").click()
        await desk.wait_for_selector(f'#dp-lead .chip[data-id="{water}"]', timeout=WAIT)
        await desk.wait_for_selector(f'#dp-co .chip[data-id="{zjj}"]', timeout=WAIT)
        assert await desk.input_value("#dp-domain") == "water"
        await desk.screenshot(path=str(artifact_path("workbench-precedent-adopted.png")))
        await desk.click("#action-submit")
        await desk.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{later['id']}:dispatched:')",
                                     timeout=WAIT)
        ticket = (await http.get(f"/api/v1/tickets/{later['id']}", headers=agent)).json()
        assert ticket["lead_unit_id"] == water and ticket["precedent_id"] == response.json()["precedent_id"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _attachments_shown(page: Page, ticket_id: int, count: int) -> None:
    await page.wait_for_function(f"document.body.dataset.attachments === '{ticket_id}:{count}'", timeout=WAIT)


async def test_attachments_on_the_ticket_page(workbench_resources):
    async with live_server(workbench_resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent = await _api(http, "agent1001")
        zjj = await _unit(http, agent, "WH-ZJJ")
        plain = await _create(http, agent, content="玉林北路共享单车乱停放，挡住盲道")
        secret = await _create(http, agent, content="某小区违规施工扰民，诉求人要求保密",
                               caller={"name": "王五", "phone": "13900003333", "confidential": True})
        stored = await http.post(f"/api/v1/tickets/{secret['id']}/attachments", headers=agent,
                                 files={"file": ("王五提供的照片.png", PNG, "image/png")})
        assert stored.status_code == 201 and stored.json()["hotline_only"], stored.text

        # the hotline adds a photo from the ticket page and downloads it (fetched with the token)
        desk = await _signed_in(browser, base, "agent1001")
        await _open_ticket(desk, plain["id"])
        await _attachments_shown(desk, plain["id"], 0)
        await desk.set_input_files("#t-attach-file", files=[{"name": "现场照片.png", "mimeType": "image/png",
                                                             "buffer": PNG}])
        await desk.click("#t-attach-send")
        await _attachments_shown(desk, plain["id"], 1)
        assert "现场照片.png" in await desk.inner_text("#t-attachments")
        async with desk.expect_download(timeout=WAIT) as info:
            await desk.click("#t-attachments button[data-download]")
        download = await info.value
        assert download.suggested_filename == "现场照片.png"
        assert Path(await download.path()).read_bytes() == PNG
        await _open_ticket(desk, secret["id"])
        await _attachments_shown(desk, secret["id"], 1)
        assert "仅热线可见" in await desk.inner_text("#t-attachments")

        for ticket in (plain, secret):
            response = await http.post(f"/api/v1/tickets/{ticket['id']}/actions/dispatch", headers=agent,
                                       json={"lead_unit_id": zjj})
            assert response.status_code == 200, response.text

        # the unit sees the photo, adds its proof; the confidential caller's file never reaches it
        unit = await _signed_in(browser, base, "wh_zjj")
        await _open_ticket(unit, plain["id"])
        await _attachments_shown(unit, plain["id"], 1)
        await unit.set_input_files("#t-attach-file", files=[{"name": "整改完成.pdf", "mimeType": "application/pdf",
                                                             "buffer": PDF}])
        await unit.click("#t-attach-send")
        await _attachments_shown(unit, plain["id"], 2)
        listed = await unit.inner_text("#t-attachments")
        assert "整改完成.pdf" in listed and "武侯区住房建设和交通运输局" in listed
        await unit.screenshot(path=str(artifact_path("workbench-attachments.png")))
        await unit.set_input_files("#t-attach-file", files=[{"name": "notes.txt", "mimeType": "image/png",
                                                             "buffer": b"plain text"}])
        await unit.click("#t-attach-send")
        await unit.wait_for_selector("#t-attach-error:not([hidden])", timeout=WAIT)
        assert "JPEG" in await unit.inner_text("#t-attach-error")
        await _attachments_shown(unit, plain["id"], 2)
        await _open_ticket(unit, secret["id"])
        await _attachments_shown(unit, secret["id"], 0)
        assert "王五" not in await unit.inner_text("#ticket-view")
