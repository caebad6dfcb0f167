"""Serve agent_desktop/reports/ (plain HTML, CSS and ES modules) at /reports: the period reports
(charts drawn by the page as SVG, downloads as xlsx) and the scorecards. Public files like the
workbench: every figure comes from the API, which needs a token and scopes what it answers."""
from __future__ import annotations

from fastapi import FastAPI

from core.package_files import package_dir
from desktop.static import DesktopFiles

REPORTS_DIR = package_dir("agent_desktop") / "reports"
MOUNT_PATH = "/reports"


def mount_reports(app: FastAPI) -> None:
    """Serve the reports pages at /reports (index.html, scorecards.html)."""
    app.mount(MOUNT_PATH, DesktopFiles(directory=REPORTS_DIR, html=True), name="reports")
