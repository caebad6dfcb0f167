"""Headless Debian Chromium for end-to-end tests, driven by Playwright (no browser download).

Fake media devices stand in for the microphone (the only fake: no sound card here); pages
under test are served by the real platform. Screenshots go to test-artifacts/ (kept by CI).
"""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from core.settings import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required", "--lang=zh-CN",
]


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A fresh headless Chromium with its own profile; closed (and the profile removed) on exit."""
    # launch() gives every browser a fresh temporary profile of its own (the empty
    # --user-data-dir the notes ask for) and removes it on close
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


DESK_VIEWPORT = {"width": 1366, "height": 768}  # the smallest screen the agent desktop supports


async def desk_page(browser: Browser) -> Page:
    """A page as an agent's workstation shows it: 1366×768, Chinese, Beijing time."""
    return await browser.new_page(viewport=DESK_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")


def artifact_path(name: str) -> Path:
    """Where a test saves a screenshot or log (test-artifacts/NAME)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
