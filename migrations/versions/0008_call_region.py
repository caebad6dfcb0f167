"""calls: the region a call belongs to, for region-scoped call records, events and recordings (R-31, R-35)

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01 00:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # calls recorded before this revision have no region: only province staff see them
    op.add_column("calls", sa.Column("region_code", sa.String(length=12), nullable=True))
    op.create_index(op.f("ix_calls_region_code"), "calls", ["region_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_calls_region_code"), table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("region_code")
