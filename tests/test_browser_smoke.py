"""The browser harness itself: Debian Chromium renders the platform's API docs page in Chinese fonts."""
from __future__ import annotations

from tests.browser import artifact_path, chromium
from tests.live_server import live_server


async def test_chromium_loads_a_page_from_the_platform(resources):
    async with live_server(resources) as base, chromium() as browser:
        page = await browser.new_page()
        response = await page.goto(f"http://{base}/healthz")
        assert response.status == 200
        assert '"ok"' in await page.content()
        await page.set_content("<h1 id=t>四川12345</h1>")
        assert await page.inner_text("#t") == "四川12345"
        await page.screenshot(path=str(artifact_path("browser-smoke.png")))
