"""Serve agent_desktop/workbench/ (plain HTML, CSS and ES modules) at /workbench.

Public like the desktop and the wallboard: every figure on the pages comes from the API,
which needs a token and scopes what it answers to the signed-in person.
"""
from __future__ import annotations

from fastapi import FastAPI

from core.package_files import package_dir
from desktop.static import DesktopFiles

WORKBENCH_DIR = package_dir("agent_desktop") / "workbench"
MOUNT_PATH = "/workbench"


def mount_workbench(app: FastAPI) -> None:
    """Serve the workbench at /workbench (index.html; /workbench redirects to /workbench/)."""
    app.mount(MOUNT_PATH, DesktopFiles(directory=WORKBENCH_DIR, html=True), name="workbench")
