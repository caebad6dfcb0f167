"""The ticket workbench in Debian's Chromium, end to end, with a screenshot of every step.

A dispatcher dispatches an agent's ticket from the workbench; the unit's staff member (another
browser context) signs and completes it; the callback desk records 满意 and it closes. A second
ticket is returned by the unit and re-dispatched. The scheduler finds overdue tickets: the
supervision view lists them by unit and the unit's inbox marks them first. A report's caller
stays hidden from the unit on every screen, as the API decides.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, Page

from models import Ticket
from tests.browser import DESK_VIEWPORT, artifact_path, chromium
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.live_server import live_server
from tests.workorders.helpers import ticket_body
from workorders.tasks import run_pass

WAIT = 15_000
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _signed_in(browser: Browser, base: str, username: str) -> Page:
    """A new browser context (another person's computer) signed in to the workbench."""
    context = await browser.new_context(viewport=DESK_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(f"http://{base}/workbench/")
    await page.fill("#login-username", username)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_selector("#app-view:not([hidden])", timeout=WAIT)
    return page


async def _countdowns(page: Page) -> None:
    """Wait until every deadline on screen shows its working time left (the server was asked)."""
    await page.wait_for_function("[...document.querySelectorAll('[data-due]')]"
                                 ".every(e => e.offsetParent === null || e.textContent !== '…')", timeout=WAIT)


async def _shot(page: Page, name: str) -> None:
    await _countdowns(page)
    await page.screenshot(path=str(artifact_path(f"workbench-{name}.png")))


async def _wait_status(page: Page, ticket_id: int, status: str) -> None:
    await page.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{ticket_id}:{status}:')",
                                 timeout=WAIT)


async def _open_ticket(page: Page, ticket_id: int) -> None:
    await page.click(f'tr[data-id="{ticket_id}"] a')
    await page.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{ticket_id}:')", timeout=WAIT)
    await page.wait_for_selector("#t-timeline li", timeout=WAIT)


async def _pick_unit(page: Page, host: str, text: str) -> None:
    await page.fill(f"{host} .picker-input", text)
    await page.wait_for_selector(f"{host} .picker-list li[data-id]", timeout=WAIT)
    await page.press(f"{host} .picker-input", "Enter")
    await page.wait_for_selector(f"{host} .chip", timeout=WAIT)


async def _step(page: Page, step: str) -> None:
    await page.click(f'#t-actions button[data-step="{step}"]')
    await page.wait_for_selector(f'#action-dialog[open][data-step="{step}"]', timeout=WAIT)


async def _search(page: Page) -> None:
    """Submit the filters and wait for the list they ask for."""
    before = await page.evaluate("document.body.dataset.listLoaded || ''")
    await page.click('#filters button[type="submit"]')
    await page.wait_for_function(f"(document.body.dataset.listLoaded || '') !== {before!r}", timeout=WAIT)


async def _api(http: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _create(http, headers, **overrides) -> dict:
    response = await http.post("/api/v1/tickets", headers=headers, json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _unit(http, headers, code: str) -> int:
    units = (await http.get("/api/v1/org/units", headers=headers)).json()
    return next(u["id"] for u in units if u["code"] == code)


async def _dispatch(http, headers, ticket_id: int, unit_id: int) -> dict:
    response = await http.post(f"/api/v1/tickets/{ticket_id}/actions/dispatch", headers=headers,
                               json={"lead_unit_id": unit_id})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_ticket_goes_round_the_workbench(workbench_resources):
    resources = workbench_resources
    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent = await _api(http, "agent1001")
        supervisor = await _api(http, "supervisor")
        zjj = await _unit(http, agent, "WH-ZJJ")
        first = await _create(http, agent, content="武侯区玉林小区三栋电梯故障一周无人维修，物业不处理，老人上下楼困难")

        # ---- the dispatcher (派单) sees it in the dispatch queue and dispatches it
        desk = await _signed_in(browser, base, "supervisor")
        await desk.wait_for_selector(f'tr[data-id="{first["id"]}"]', timeout=WAIT)
        assert await desk.get_attribute('#tabs a[data-ws="dispatch"]', "aria-current") == "true"
        await _shot(desk, "01-dispatch-queue")
        await _open_ticket(desk, first["id"])
        assert "张三" in await desk.inner_text("#t-callers")  # the hotline sees its caller in full
        assert "转办" in await desk.inner_text("#t-deadlines")
        await _shot(desk, "02-ticket-to-dispatch")
        await _step(desk, "dispatch")
        await desk.wait_for_selector("#sg-list button.sg", timeout=WAIT)  # 属地/按职/行业 suggestions
        await _pick_unit(desk, "#dp-lead", "住房建设和交通运输局")
        await _shot(desk, "03-dispatch-dialog")
        await desk.click("#action-submit")
        await _wait_status(desk, first["id"], "dispatched")
        assert "武侯区住房建设和交通运输局" in await desk.inner_text("#t-units")
        assert "签收" in await desk.inner_text("#t-deadlines") and "办结" in await desk.inner_text("#t-deadlines")
        await _shot(desk, "04-dispatched")

        # ---- the unit's staff member, signed in elsewhere, signs and completes it
        unit = await _signed_in(browser, base, "wh_zjj")
        assert await unit.get_attribute('#tabs a[data-ws="inbox"]', "aria-current") == "true"
        assert await unit.locator('#tabs a[data-ws="dispatch"]').count() == 0  # no dispatching for a unit
        await unit.wait_for_selector(f'tr[data-id="{first["id"]}"]', timeout=WAIT)
        await _shot(unit, "05-unit-inbox")
        await _open_ticket(unit, first["id"])
        await _step(unit, "sign")
        await unit.click("#action-submit")
        await _wait_status(unit, first["id"], "in_progress")
        await _shot(unit, "06-unit-signed")
        await _step(unit, "complete")
        await unit.fill('#action-dialog textarea[name="reply"]',
                        "经核实，已督促物业公司更换电梯主板，电梯于今日恢复运行，已电话告知诉求人。")
        await _shot(unit, "07-unit-complete-dialog")
        await unit.keyboard.press("Control+Enter")
        await _wait_status(unit, first["id"], "completed")
        await _shot(unit, "08-unit-completed")

        # ---- the callback desk (回访): oldest completed first; the keyboard alone opens it
        await desk.click('#tabs a[data-ws="callback"]')
        await desk.wait_for_selector(f'#ticket-table tr[data-id="{first["id"]}"]', timeout=WAIT)
        await _shot(desk, "09-callback-queue")
        await desk.locator(f'#ticket-table tr[data-id="{first["id"]}"]').focus()
        await desk.keyboard.press("Enter")
        await desk.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{first['id']}:completed')",
                                     timeout=WAIT)
        await _step(desk, "callback")
        await desk.check('#action-dialog input[name="result"][value="satisfied"]')
        await _shot(desk, "10-callback-dialog")
        await desk.click("#action-submit")
        await _wait_status(desk, first["id"], "closed")
        timeline = await desk.inner_text("#t-timeline")
        for step in ("受理", "转办", "签收", "办结", "回访"):
            assert step in timeline, step
        assert "满意" in await desk.inner_text("#t-callers")
        await _shot(desk, "11-closed-with-timeline")
        await desk.keyboard.press("Escape")  # back to the list the ticket was opened from
        await desk.wait_for_selector('#list-view:not([hidden]) #subtabs button[data-tab="waiting"][aria-selected="true"]',
                                     timeout=WAIT)

        # ---- a second ticket: the unit returns it, the dispatcher re-dispatches it
        second = await _create(http, agent, content="武侯区某路段绿化带树木倒伏占道，影响通行",
                               address="成都市武侯区望江路", domain="urban_management")
        await _dispatch(http, supervisor, second["id"], zjj)
        await unit.click('#tabs a[data-ws="inbox"]')
        await unit.wait_for_selector(f'tr[data-id="{second["id"]}"]', timeout=WAIT)
        await _open_ticket(unit, second["id"])
        await _step(unit, "return")
        await unit.fill('#action-dialog textarea[name="reason"]', "绿化带树木管护属城市管理部门职责，不属本单位职责")
        await unit.fill('#action-dialog input[name="legal_basis"]', "《成都市园林绿化条例》；区城市管理局“三定”方案")
        await _pick_unit(unit, "#rt-unit", "武侯区城市管理局")
        await _shot(unit, "12-unit-return-dialog")
        await unit.click("#action-submit")
        # no longer the unit's to see: back to the inbox, with word that it went back
        await unit.wait_for_selector('#banner[data-kind="ok"]:not([hidden])', timeout=WAIT)
        assert "退回" in await unit.inner_text("#banner")
        assert await unit.locator(f'tr[data-id="{second["id"]}"]').count() == 0
        returned = await http.get(f"/api/v1/tickets/{second['id']}", headers=supervisor)
        assert returned.json()["status"] == "returned"

        await desk.click('#tabs a[data-ws="dispatch"]')
        await desk.wait_for_selector(f'tr[data-id="{second["id"]}"] .tag.returned', timeout=WAIT)
        await _shot(desk, "13-returned-in-dispatch-queue")
        await _open_ticket(desk, second["id"])
        assert "绿化带树木管护" in await desk.inner_text("#t-timeline")  # the unit's reason, on the timeline
        await _step(desk, "dispatch")
        await _pick_unit(desk, "#dp-lead", "武侯区城市管理局")
        await desk.click("#action-submit")
        await _wait_status(desk, second["id"], "dispatched")
        assert "武侯区城市管理局" in await desk.inner_text("#t-units")
        await _shot(desk, "14-redispatched")

        # ---- overdue: one never dispatched in time, one the unit did not sign for in time
        late = await _create(http, agent, content="武侯区浆洗街某小区化粪池外溢，气味严重",
                             received_at=(datetime.now(UTC) - timedelta(days=10)).isoformat())
        unsigned = await _create(http, agent, content="武侯区玉林北路人行道地砖松动，雨天溅水")
        unsigned = await _dispatch(http, supervisor, unsigned["id"], zjj)
        async with resources.sessionmaker() as session:  # as if it had been dispatched two weeks ago
            ticket, back = await session.get(Ticket, unsigned["id"]), timedelta(days=14)
            ticket.dispatched_at, ticket.sign_due_at = ticket.dispatched_at - back, ticket.sign_due_at - back
            ticket.return_due_at, ticket.next_due_at = ticket.return_due_at - back, ticket.sign_due_at
            await session.commit()
        report = await run_pass(resources.sessionmaker, resources.redis, resources.settings)
        assert (late["id"], "overdue_dispatch") in report.flagged
        assert (unsigned["id"], "overdue_sign") in report.flagged

        await desk.click('#tabs a[data-ws="supervision"]')
        await desk.wait_for_selector(f'#sv-overdue tr[data-id="{late["id"]}"]', timeout=WAIT)
        await desk.wait_for_selector(f'#sv-overdue tr[data-id="{unsigned["id"]}"]', timeout=WAIT)
        overdue = await desk.inner_text("#sv-overdue")
        assert "武侯区住房建设和交通运输局" in overdue and "签收超期" in overdue and "转办超期" in overdue
        assert "催办" in await desk.inner_text("#sv-records")
        await _shot(desk, "15-supervision-overdue")

        # ---- the unit's inbox: the overdue ticket first, marked; a reporter hidden from the unit
        report_ticket = await _create(http, agent, category="report", content="举报武侯区某餐馆后厨卫生极差",
                                      caller={"name": "李四", "phone": "13900002222", "confidential": False},
                                      domain="housing")
        await _dispatch(http, supervisor, report_ticket["id"], zjj)
        await unit.click('#tabs a[data-ws="inbox"]')
        await unit.wait_for_selector(f'tr[data-id="{report_ticket["id"]}"]', timeout=WAIT)
        await _countdowns(unit)
        # overdue ones first (other tests of the run may have left overdue tickets of the unit too)
        rows = [(await r.get_attribute("data-id"), "overdue" in (await r.get_attribute("class") or ""))
                for r in await unit.locator("#ticket-table tbody tr").all()]
        flags = [overdue for _, overdue in rows]
        assert flags == sorted(flags, reverse=True) and flags[0]
        assert (str(unsigned["id"]), True) in rows
        unsigned_row = unit.locator(f'tr[data-id="{unsigned["id"]}"]')
        assert "超期" in await unsigned_row.inner_text() and "超时" in await unsigned_row.inner_text()
        assert "保密" in await unit.inner_text(f'tr[data-id="{report_ticket["id"]}"]')
        await _shot(unit, "16-unit-inbox-overdue-first")
        await _open_ticket(unit, report_ticket["id"])
        shown = await unit.inner_text("#ticket-view")
        assert "保密" in shown and "李四" not in shown and "13900002222" not in shown and "2222" not in shown
        await _shot(unit, "17-unit-hidden-reporter")
        await desk.goto(f"http://{base}/workbench/#ticket/{report_ticket['id']}")
        await desk.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{report_ticket['id']}:')",
                                     timeout=WAIT)
        assert "李四" in await desk.inner_text("#t-callers")  # the hotline still sees who reported


async def test_a_unit_leader_asks_for_more_time_and_the_dispatcher_decides(workbench_resources):
    resources = workbench_resources
    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent = await _api(http, "agent1001")
        ticket = await _create(http, agent, content="武侯区某小区二次供水水箱清洗不及时，需协调多方处理")
        await _dispatch(http, agent, ticket["id"], await _unit(http, agent, "WH-ZJJ"))
        signed = await http.post(f"/api/v1/tickets/{ticket['id']}/actions/sign", headers=await _api(http, "wh_zjj"),
                                 json={})
        assert signed.status_code == 200, signed.text
        handle_due = signed.json()["deadlines"]["handle_due_at"]

        # a unit's staff member handles, only its leader may ask for more time
        staff = await _signed_in(browser, base, "wh_zjj")
        await staff.goto(f"http://{base}/workbench/#ticket/{ticket['id']}")
        await _wait_status(staff, ticket["id"], "in_progress")
        assert await staff.locator('#t-actions button[data-step="complete"]').count() == 1
        assert await staff.locator('#t-actions button[data-step="request_extension"]').count() == 0

        leader = await _signed_in(browser, base, "wh_zjj_lead")
        await leader.wait_for_selector(f'tr[data-id="{ticket["id"]}"]', timeout=WAIT)
        await _open_ticket(leader, ticket["id"])
        await _step(leader, "request_extension")
        await leader.fill('#action-dialog input[name="days"]', "3")
        await leader.fill('#action-dialog textarea[name="reason"]', "需协调物业、供水公司和街道共同制定清洗方案")
        await leader.check('#action-dialog input[name="caller_informed"]')
        await _shot(leader, "18-leader-extension-request")
        await leader.click("#action-submit")
        await _wait_status(leader, ticket["id"], "extension_requested")

        desk = await _signed_in(browser, base, "supervisor")
        await desk.click('#subtabs button[data-tab="extension"]')
        await desk.wait_for_selector(f'tr[data-id="{ticket["id"]}"]', timeout=WAIT)
        await _shot(desk, "19-extension-requests")
        await _open_ticket(desk, ticket["id"])
        await _step(desk, "approve_extension")
        assert "3" in await desk.inner_text("#action-fields")
        await desk.click("#action-submit")
        await _wait_status(desk, ticket["id"], "in_progress")
        after = (await http.get(f"/api/v1/tickets/{ticket['id']}", headers=agent)).json()
        assert after["deadlines"]["handle_due_at"] > handle_due and after["extended_days"] == 3
        assert "同意延期" in await desk.inner_text("#t-timeline")
        await _shot(desk, "20-extension-approved")

        # a co-handling unit (协办) sees the ticket and reports progress on its part, nothing more
        shared = await _create(http, agent, content="武侯区望江路占道经营及路面破损，需城管与住建共同处理",
                               domain="urban_management")
        response = await http.post(f"/api/v1/tickets/{shared['id']}/actions/dispatch", headers=agent, json={
            "lead_unit_id": await _unit(http, agent, "WH-CGJ"), "co_unit_ids": [await _unit(http, agent, "WH-ZJJ")]})
        assert response.status_code == 200, response.text
        admin = await _api(http, "admin", ADMIN_PASSWORD)
        made = await http.post("/api/v1/users", headers=admin, json={
            "username": "wh_cgj", "password": "cgj-pass-2026", "role": "unit_staff",
            "org_unit_id": await _unit(http, agent, "WH-CGJ")})
        assert made.status_code == 201, made.text
        lead_signed = await http.post(f"/api/v1/tickets/{shared['id']}/actions/sign", json={},
                                      headers=await _api(http, "wh_cgj", "cgj-pass-2026"))
        assert lead_signed.status_code == 200, lead_signed.text
        await staff.goto(f"http://{base}/workbench/#inbox")
        await staff.wait_for_selector(f'tr[data-id="{shared["id"]}"]', timeout=WAIT)
        await _open_ticket(staff, shared["id"])
        assert [await b.get_attribute("data-step") for b in await staff.locator("#t-actions button").all()] == ["progress"]
        await _step(staff, "progress")
        await staff.fill('#action-dialog textarea[name="note"]', "住建局已安排对破损路面进行修补，预计本周内完成")
        await staff.click("#action-submit")
        await staff.wait_for_function("document.querySelector('#t-timeline').textContent.includes('办理进展')",
                                      timeout=WAIT)
        await _shot(staff, "21-co-unit-progress")

        # the search: content, accepted today (Beijing), region; "/" jumps to the search box
        await desk.click('#tabs a[data-ws="search"]')
        await desk.wait_for_selector("#f-from:not([hidden])", state="attached", timeout=WAIT)
        await desk.locator("body").press("/")
        assert await desk.evaluate("document.activeElement.id") == "f-q"
        await desk.keyboard.type("二次供水")
        today = datetime.now(UTC).astimezone(SHANGHAI).date().isoformat()
        await desk.fill("#f-from", today)
        await desk.fill("#f-to", today)
        await desk.fill("#f-region", "510107")
        await _search(desk)
        assert await desk.locator("#ticket-table tbody tr").count() == 1
        assert await desk.locator(f'tr[data-id="{ticket["id"]}"]').count() == 1
        await desk.fill("#f-from", (date.fromisoformat(today) + timedelta(days=1)).isoformat())
        await desk.fill("#f-to", "")
        await _search(desk)
        assert not await desk.locator("#list-empty").is_hidden()
        await _shot(desk, "22-search")
