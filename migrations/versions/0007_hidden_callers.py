"""ticket callers: whether units may see a caller is stored with the caller (R-25)

Hiding used to be decided when a ticket was shown (`confidential` or the ticket being a
report), so a reporter merged into an ordinary ticket became visible to its unit. The
decision now lives on the caller row. Existing rows are back-filled: confidential callers,
callers whose original ticket is a report, and callers now on a report are hidden.

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-01 00:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_callers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_from_units", sa.Boolean(), nullable=False, server_default=sa.false()))
    callers = sa.table("ticket_callers", sa.column("hidden_from_units", sa.Boolean()),
                       sa.column("confidential", sa.Boolean()), sa.column("ticket_id", sa.Integer()),
                       sa.column("source_ticket_id", sa.Integer()))
    tickets = sa.table("tickets", sa.column("id", sa.Integer()), sa.column("category", sa.String()))
    reports = sa.select(tickets.c.id).where(tickets.c.category == "report")
    op.execute(callers.update()
               .where(sa.or_(callers.c.confidential.is_(True), callers.c.source_ticket_id.in_(reports),
                             callers.c.ticket_id.in_(reports)))
               .values(hidden_from_units=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_callers", schema=None) as batch_op:
        batch_op.drop_column("hidden_from_units")
