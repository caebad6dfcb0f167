"""Migration 0007 back-fills `hidden_from_units` for callers recorded before it (R-25)."""
from __future__ import annotations

import sqlite3

from core.migrate import upgrade

TICKET = ("INSERT INTO tickets (id, number, status, row_version, channel, category, enterprise_related, special, "
          "content, region_code, received_at, created_at, policy_version, calendar_provisional, extension_major, "
          "extended_days, redo_count, callback_round, screened_out, overdue, overdue_kinds, extra) VALUES "
          "(?, ?, ?, 1, 'phone', ?, 0, 'none', '内容', '510107', '2026-11-30 01:00:00', '2026-11-30 01:00:00', "
          "'v1', 0, 0, 0, 0, 1, 0, 0, '[]', '{}')")
CALLER = ("INSERT INTO ticket_callers (id, ticket_id, name, phone, confidential, source_ticket_id) "
          "VALUES (?, ?, ?, ?, ?, ?)")


def test_existing_confidential_callers_and_reporters_become_hidden(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0002")
    with sqlite3.connect(tmp_path / "before.db") as db:  # rows as the platform stored them before 0007
        db.executemany(TICKET, [(1, "A", "in_progress", "complaint"), (2, "B", "merged", "report"),
                                (3, "C", "in_progress", "report"), (4, "D", "in_progress", "help")])
        db.executemany(CALLER, [
            (1, 1, "孙公开", "13611112222", 0, 1),  # ordinary caller of a complaint
            (2, 1, "钱举报", "13887654321", 0, 2),  # a reporter merged into the complaint (the leak)
            (3, 3, "周另举", "13500002222", 0, 3),  # a reporter on their report
            (4, 3, "吴普通", "13300003333", 0, 4),  # an ordinary caller merged into a report
            (5, 4, "赵保密", "13912345678", 1, 4),  # confidential
        ])
    upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        hidden = dict(db.execute("SELECT id, hidden_from_units FROM ticket_callers").fetchall())
    assert hidden == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
