"""Serve portal/static/ (plain HTML, CSS and one ES module) at /portal for citizens' browsers."""
from __future__ import annotations

from fastapi import FastAPI

from core.package_files import package_dir
from desktop.static import DesktopFiles

PORTAL_DIR = package_dir("portal") / "static"
MOUNT_PATH = "/portal"


def mount_portal(app: FastAPI) -> None:
    """Serve the portal at /portal (index.html; /portal redirects to /portal/)."""
    app.mount(MOUNT_PATH, DesktopFiles(directory=PORTAL_DIR, html=True), name="portal")
