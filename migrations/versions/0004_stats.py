"""stats: answer-rate alarms, the supervision record of a segment under 95 % (R-05, R-24, R-34)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-27 03:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_rate_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_kind", sa.String(length=16), nullable=False),
        sa.Column("segment_key", sa.String(length=64), nullable=False),
        sa.Column("segment_name", sa.String(length=128), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("min_offered", sa.Integer(), nullable=False),
        sa.Column("raised_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answer_rate", sa.Float(), nullable=False),
        sa.Column("notice", sa.String(length=500), nullable=False),
        sa.Column("cleared_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cleared_offered", sa.Integer(), nullable=True),
        sa.Column("cleared_answered", sa.Integer(), nullable=True),
        sa.Column("cleared_answer_rate", sa.Float(), nullable=True),
        sa.Column("acknowledged_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledgement", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"],
                                name=op.f("fk_answer_rate_alarms_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name=op.f("fk_answer_rate_alarms_acknowledged_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_rate_alarms")),
    )
    with op.batch_alter_table("answer_rate_alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_rate_alarms_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_rate_alarms_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_rate_alarms_cleared_at"), ["cleared_at"], unique=False)
        # at most one open alarm per segment: the database, not a process, guarantees "raised once"
        batch_op.create_index("uq_answer_rate_alarms_open_segment", ["segment_kind", "segment_key"], unique=True,
                              postgresql_where=sa.text("cleared_at IS NULL"),
                              sqlite_where=sa.text("cleared_at IS NULL"))


def downgrade() -> None:
    op.drop_table("answer_rate_alarms")
