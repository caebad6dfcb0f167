"""Migration 0021 (intake): its tables come and go, and the attachments' storage names become
relative to the attachments directory (and back) without moving a file."""
from __future__ import annotations

import sqlite3

from alembic import command

from core.migrate import alembic_config, upgrade


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _names(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT storage_name FROM ticket_attachments ORDER BY id")]


def test_0021_down_and_up_keeps_the_attachments_found(tmp_path):
    path = tmp_path / "round.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    assert {"intake_requests", "mailbox_messages"} <= _tables(path)
    command.downgrade(alembic_config(url), "0020")
    assert not {"intake_requests", "mailbox_messages"} & _tables(path)
    with sqlite3.connect(path) as db:  # a file stored the old way: under <var>/attachments/
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("INSERT INTO ticket_attachments (ticket_id, filename, content_type, size, sha256, storage_name, "
                   "side, hotline_only, uploaded_by, uploaded_at) VALUES (1, 'a.png', 'image/png', 1, 'x', "
                   "'attachments/1/abc.png', 'hotline', 0, 'agent', '2026-12-01 00:00:00')")
    upgrade(url)
    assert _names(path) == ["1/abc.png"]  # relative to HOTLINE_ATTACHMENTS_DIR (default <var>/attachments)
    command.downgrade(alembic_config(url), "0020")
    assert _names(path) == ["attachments/1/abc.png"]
