"""The reports pages, the scorecards page and the wallboard's live alerts in Debian's Chromium, end to
end (screenshots: test-artifacts/analytics-*.png, copied to docs/screenshots/).

The wallboard is open while ten requests about one matter arrive in one district: the server's alert
evaluator (run after ticket creations, coalesced) raises one surge alert and the wallboard shows it
without a reload; the reports page then shows the day's figures, charts drawn by the page and the
hot topic, and the scorecards page the month's scores.
"""
from __future__ import annotations

import shutil

import httpx
from sqlalchemy import func, select

from core.settings import REPO_ROOT
from core.timeutil import business_time, utcnow
from models import AnalyticsAlert
from tests.browser import artifact_path, chromium, desk_page
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.workorders.helpers import ticket_body

WAIT = 20_000
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


async def _token(http, username: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _shot(page, name: str) -> None:
    path = artifact_path(f"analytics-{name}.png")
    await page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / f"analytics-{name}.png")


async def _sign_in(page, submit: str = "button[type=submit]") -> None:
    await page.fill("#login-username", "supervisor")
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click(submit)


async def test_alerts_reach_the_wallboard_and_the_reports_pages_draw_their_charts(workbench_resources):
    resources = workbench_resources
    async with resources.sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(AnalyticsAlert).where(AnalyticsAlert.kind == "surge"))
    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        agent = await _token(http, "agent1001")
        board = await desk_page(browser)
        await board.goto(f"http://{base}/wallboard/")
        await _sign_in(board, "#login-submit")
        await board.wait_for_selector("body[data-analytics-alerts='0']", timeout=WAIT)
        made = []
        for i in range(10):
            response = await http.post("/api/v1/tickets", headers=agent, json=ticket_body(
                content=f"双流区东升街道第{i + 1}个小区突然停水，没有提前通知", region_code="510116",
                address=f"双流区东升街道{i + 1}号", caller={"name": "市民", "phone": f"1350000{i:04d}", "confidential": False}))
            assert response.status_code == 201, response.text
            made.append(response.json()["id"])
        # pushed live (analytics.alert), no reload
        await board.wait_for_selector("#analytics-alert-list li[data-kind='surge']", timeout=WAIT)
        text = await board.inner_text("#analytics-alert-list")
        assert "停水" in text and "双流区" in text
        await _shot(board, "wallboard-alert")
        async with resources.sessionmaker() as session:
            after = await session.scalar(select(func.count()).select_from(AnalyticsAlert).where(AnalyticsAlert.kind == "surge"))
        assert after == before + 1  # one alert for ten tickets

        # some of them dispatched and signed for, so the units have figures on their scorecards
        supervisor = await _token(http, "supervisor")
        units = {u["code"]: u["id"] for u in (await http.get("/api/v1/org/units", headers=supervisor)).json()}
        for ticket_id, code, signer in zip(made[:4], ("WH-ZJJ", "WH-ZJJ", "CD-WATER", "CD-WATER"),
                                           ("wh_zjj", None, "cd_water", "cd_water"), strict=True):
            done = await http.post(f"/api/v1/tickets/{ticket_id}/actions/dispatch", headers=supervisor,
                                   json={"lead_unit_id": units[code]})
            assert done.status_code == 200, done.text
            if signer:
                signed = await http.post(f"/api/v1/tickets/{ticket_id}/actions/sign", headers=await _token(http, signer),
                                         json={})
                assert signed.status_code == 200, signed.text

        today = business_time(utcnow()).date().isoformat()  # the reports speak Beijing days
        page = await desk_page(browser)
        await page.goto(f"http://{base}/reports/?kind=daily&date={today}")
        await _sign_in(page)
        await page.wait_for_selector("body[data-loaded]", timeout=WAIT)
        assert await page.locator("#chart-channel rect").count() >= 1
        assert "停水" in await page.inner_text("#topics")
        assert "热点激增" in await page.inner_text("#alerts")
        await _shot(page, "reports")
        async with page.expect_download() as download:
            await page.click("#download")
        assert (await download.value).suggested_filename.endswith(".xlsx")

        await page.goto(f"http://{base}/reports/scorecards.html?period={today[:7]}")
        await page.wait_for_selector("body[data-loaded]", timeout=WAIT)
        assert await page.locator("section.level").count() == 3
        units_card = await page.inner_text("section[data-level='unit']")
        assert "武侯区住房建设和交通运输局" in units_card and "成都市自来水有限责任公司" in units_card
        await _shot(page, "scorecards")
