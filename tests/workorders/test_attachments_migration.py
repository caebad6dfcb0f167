"""Migration 0015 (ticket attachments), and the line of migrations built on it, go down and up again cleanly."""
from __future__ import annotations

import sqlite3

from alembic import command

from core.migrate import alembic_config, upgrade


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_0015_downgrades_to_0012_and_upgrades_again(tmp_path):
    path = tmp_path / "round.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    assert "ticket_attachments" in _tables(path)
    command.downgrade(alembic_config(url), "0012")  # every migration above 0012, 0015's line included
    assert "ticket_attachments" not in _tables(path) and "tickets" in _tables(path)
    upgrade(url)
    assert "ticket_attachments" in _tables(path)
