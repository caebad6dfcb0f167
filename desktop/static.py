"""Serve agent_desktop/ (plain HTML, CSS and ES modules; JsSIP vendored) at /desktop."""
from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from core.package_files import package_dir

DESKTOP_DIR = package_dir("agent_desktop")  # package data: a checkout or an installed wheel
MOUNT_PATH = "/desktop"


class DesktopFiles(StaticFiles):
    """StaticFiles that asks browsers to revalidate, so a deploy is seen on the next load."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", b"no-cache"))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_static(app: FastAPI) -> None:
    """Mount the desktop at /desktop (index.html; /desktop redirects to /desktop/)."""
    app.mount(MOUNT_PATH, DesktopFiles(directory=DESKTOP_DIR, html=True), name="desktop")
