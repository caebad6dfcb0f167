"""The citizen portal, the intake queue and the desktop's files in Debian's Chromium.

On a phone-sized page a citizen submits a request with a photo (the page solves the
proof-of-work challenge itself), tracks it, once the unit has replied evaluates it (the
callback with method web), and searches the public knowledge base. A second, incomplete request waits in the workbench's intake queue
and is accepted there. What the citizen typed — a <script> and an <img onerror> — is shown as
text on the portal, the workbench and the desktop, and never runs. An agent attaches a file to a
ticket taken at the desktop.
"""
from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Browser, Page, expect

from core.settings import REPO_ROOT
from portal import challenge
from tests.browser import DESK_VIEWPORT, artifact_path, chromium
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server

WAIT = 20_000
PHONE_VIEWPORT = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 1">'
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


async def shot(page: Page, name: str, *, docs: bool = False) -> None:
    path = artifact_path(name)
    await page.screenshot(path=str(path), full_page=True)
    if docs:
        shutil.copyfile(path, SCREENSHOTS / name)


async def no_script_ran(page: Page) -> None:
    assert await page.evaluate("window.__xss === undefined"), "a citizen's markup ran"


async def _api(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _signed_in(browser: Browser, base: str, path: str, username: str) -> Page:
    context = await browser.new_context(viewport=DESK_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(f"http://{base}{path}")
    await page.fill("#login-username", username)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("#login-submit")
    return page


async def _ticket(http, headers, number: str) -> dict:
    found = (await http.get("/api/v1/tickets", headers=headers, params={"number": number})).json()
    rows = found["items"] if isinstance(found, dict) else found
    return next(t for t in rows if t["number"] == number)


async def test_portal_submit_track_evaluate_and_the_intake_queue(workbench_resources):
    async with live_server(workbench_resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        # ---- the citizen, on a phone: submit with a photo (the page solves the challenge)
        phone_context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN",
                                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
        citizen = await phone_context.new_page()
        await citizen.goto(f"http://{base}/portal/")
        await citizen.wait_for_selector("body[data-ready='1']", timeout=WAIT)
        await citizen.fill("#s-name", "刘女士")
        await citizen.fill("#s-phone", "139 0000 7777")
        await citizen.select_option("#s-category", "complaint")
        await citizen.select_option("#s-city", label="成都市")
        await citizen.select_option("#s-county", label="武侯区")
        await citizen.fill("#s-address", "成都市武侯区玉林北路夜市")
        await citizen.fill("#s-occurred", (datetime.now(UTC) + timedelta(hours=8) - timedelta(hours=3))
                           .strftime("%Y-%m-%dT%H:%M"))
        await citizen.fill("#s-content", f"玉林北路夜市烧烤油烟扰民，每晚到凌晨。{XSS}")
        await citizen.set_input_files("#s-files", files=[{"name": "油烟.png", "mimeType": "image/png", "buffer": PNG}])
        await shot(citizen, "portal-form.png", docs=True)
        await citizen.click("#s-submit")
        await citizen.wait_for_selector("body[data-submitted]", timeout=WAIT)
        number = await citizen.get_attribute("body", "data-submitted")
        assert "<script>" in await citizen.inner_text("#s-echo")
        await no_script_ran(citizen)
        await shot(citizen, "portal-submitted.png", docs=True)

        agent = await _api(http, "agent1001")
        ticket = await _ticket(http, agent, number)
        assert ticket["channel"] == "web" and ticket["status"] == "pending_dispatch"
        files = (await http.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=agent)).json()
        assert [(f["filename"], f["content_type"]) for f in files] == [("油烟.png", "image/png")]

        # ---- tracking, then the unit's reply, then the evaluation
        await citizen.click("#s-track-link")
        await citizen.click("#track-form button[type=submit]")
        await citizen.wait_for_function(f"document.body.dataset.tracked === '{number}:accepted'", timeout=WAIT)
        units = (await http.get("/api/v1/org/units", headers=agent)).json()
        zjj = next(u["id"] for u in units if u["code"] == "WH-ZJJ")
        unit = await _api(http, "wh_zjj")
        for headers, step, body in ((agent, "dispatch", {"lead_unit_id": zjj}), (unit, "sign", {}),
                                    (unit, "complete", {"reply": "已联系夜市管理方，油烟净化设备已安装。"})):
            response = await http.post(f"/api/v1/tickets/{ticket['id']}/actions/{step}", headers=headers, json=body)
            assert response.status_code == 200, response.text
        await citizen.click("#track-form button[type=submit]")
        await citizen.wait_for_function(f"document.body.dataset.tracked === '{number}:replied'", timeout=WAIT)
        await expect(citizen.locator("#q-reply")).to_have_text("已联系夜市管理方，油烟净化设备已安装。")
        assert "wh_zjj" not in await citizen.inner_text("#q-result")
        await shot(citizen, "portal-track-replied.png", docs=True)
        await citizen.fill("#q-comment", "处理及时")
        await citizen.click("#q-satisfied")
        await citizen.wait_for_function(f"document.body.dataset.tracked === '{number}:closed'", timeout=WAIT)
        await expect(citizen.locator("#q-evaluated")).to_contain_text("满意")
        await no_script_ran(citizen)
        history = (await http.get(f"/api/v1/tickets/{ticket['id']}/history", headers=agent)).json()
        callback = [e for e in history if e["action"] == "callback"]
        assert callback and callback[-1]["detail"]["method"] == "web", history

        # ---- the public knowledge search, from the same page
        await citizen.click('.tabs a[data-tab="knowledge"]')
        await citizen.fill("#k-q", "社保卡补办")
        await citizen.click("#k-form button[type=submit]")
        await citizen.wait_for_function("Number(document.body.dataset.searched || 0) > 0", timeout=WAIT)
        await expect(citizen.locator("#k-results")).to_contain_text("社会保障卡补换办理指南")
        assert "计划停水应答口径" not in await citizen.inner_text("#k-results")  # staff-only entries stay hidden
        await shot(citizen, "portal-knowledge.png")

        # ---- an incomplete request (no address, no category) waits in the intake queue
        issued = (await http.get("/api/v1/public/challenge")).json()
        solved = challenge.solve(issued["challenge"], issued["bits"])
        response = await http.post("/api/v1/public/requests", json={
            "phone": "13900008888", "region_code": "510107", "content": f"玉林南路8号楼上漏水，天花板一直滴水{XSS}"},
            headers={"X-Portal-Challenge": issued["challenge"], "X-Portal-Solution": solved})
        assert response.status_code == 201 and response.json()["status"] == "submitted", response.text
        queued = response.json()["number"]

        desk = await _signed_in(browser, base, "/workbench/", "agent1001")
        await desk.wait_for_selector("#app-view:not([hidden])", timeout=WAIT)
        await desk.evaluate("location.hash = '#intake'")
        row = desk.locator("#intake-table tr", has_text=queued)
        await row.wait_for(timeout=WAIT)
        assert "<script>" in await row.inner_text()
        await no_script_ran(desk)
        await shot(desk, "workbench-intake.png", docs=True)
        await row.locator("button[data-accept]").click()
        await desk.wait_for_selector('#form-dialog[open][data-form="accept"]', timeout=WAIT)
        await desk.click("#form-dialog-submit")  # address and category still missing: refused in place
        await expect(desk.locator("#form-dialog-error")).to_contain_text("地址", timeout=WAIT)
        await desk.select_option('#form-dialog [name="category"]', "help")
        await desk.fill('#form-dialog [name="address"]', "成都市武侯区玉林南路8号")
        await desk.fill('#form-dialog [name="occurred_at"]', (datetime.now(UTC) + timedelta(hours=7))
                        .strftime("%Y-%m-%dT%H:%M"))
        await desk.click("#form-dialog-submit")
        await expect(row).to_have_count(0, timeout=WAIT)
        accepted = await _ticket(http, agent, queued)
        assert accepted["status"] == "pending_dispatch" and accepted["deadlines"]["dispatch_due_at"]

        # the first ticket's page in the workbench: the citizen's photo, the content as text
        await desk.evaluate(f"location.hash = '#ticket/{ticket['id']}'")
        await desk.wait_for_function(f"document.body.dataset.attachments === '{ticket['id']}:1'", timeout=WAIT)
        assert "<script>" in await desk.inner_text("#t-content")
        await no_script_ran(desk)
        await shot(desk, "workbench-portal-ticket.png")

        # ---- the desktop: the accepted portal request among the duplicates (as text); a file attached
        desktop = await _signed_in(browser, base, "/desktop/", "agent1002")
        await expect(desktop.locator("#desk-view")).to_be_visible(timeout=WAIT)
        form = desktop.locator("#ticket-form")
        await form.locator("[name=caller_phone]").fill("13700007777")
        await form.locator("[name=category]").select_option("complaint")
        await form.locator("[name=region_city]").select_option("510100")
        await expect(form.locator("[name=region_county] option", has_text="武侯区")).to_have_count(1, timeout=WAIT)
        await form.locator("[name=region_county]").select_option(label="武侯区")
        await form.locator("[name=address]").fill("成都市武侯区玉林南路8号")
        await form.locator("#btn-now").click()
        await form.locator("[name=content]").fill("玉林南路8号楼上漏水，天花板一直滴水，请尽快处理")
        await expect(desktop.locator("#duplicate-list")).to_contain_text("<script>", timeout=WAIT)
        await no_script_ran(desktop)
        await desktop.set_input_files("#tf-files", files=[{"name": "来电人照片.png", "mimeType": "image/png",
                                                            "buffer": PNG}])
        await form.locator("#btn-submit").click()
        await expect(desktop.locator("#form-ok")).to_contain_text("附件 1 个", timeout=WAIT)
        taken = await desktop.get_attribute("#form-ok", "data-ticket-id")
        files = (await http.get(f"/api/v1/tickets/{taken}/attachments", headers=agent)).json()
        assert [f["filename"] for f in files] == ["来电人照片.png"]
        await shot(desktop, "desktop-attachment.png")
