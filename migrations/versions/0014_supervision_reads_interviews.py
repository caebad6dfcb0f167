"""supervision: reminders read by their unit, formal interviews (约谈) of units

Revision ID: 0014
Revises: 0012
Depends on: 0002 (supervision_records, users, org_units are the work orders' and the foundation's)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = "0002"  # on another branch: supervision_records must exist first


def upgrade() -> None:
    op.create_table(
        "supervision_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("read_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["supervision_records.id"],
                                name=op.f("fk_supervision_reads_record_id_supervision_records")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_supervision_reads_user_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_supervision_reads_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_reads")),
        sa.UniqueConstraint("record_id", "user_id", name="uq_supervision_reads_reader"),
    )
    op.create_index(op.f("ix_supervision_reads_record_id"), "supervision_reads", ["record_id"], unique=False)
    op.create_table(
        "supervision_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("findings", sa.String(length=4000), nullable=False),
        sa.Column("follow_up", sa.String(length=4000), nullable=False),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_by_username", sa.String(length=64), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"],
                                name=op.f("fk_supervision_interviews_unit_id_org_units")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"],
                                name=op.f("fk_supervision_interviews_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_interviews")),
    )
    op.create_index(op.f("ix_supervision_interviews_unit_id"), "supervision_interviews", ["unit_id"], unique=False)
    op.create_index(op.f("ix_supervision_interviews_region_code"), "supervision_interviews", ["region_code"],
                    unique=False)
    op.create_index(op.f("ix_supervision_interviews_held_on"), "supervision_interviews", ["held_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_interviews_held_on"), table_name="supervision_interviews")
    op.drop_index(op.f("ix_supervision_interviews_region_code"), table_name="supervision_interviews")
    op.drop_index(op.f("ix_supervision_interviews_unit_id"), table_name="supervision_interviews")
    op.drop_table("supervision_interviews")
    op.drop_index(op.f("ix_supervision_reads_record_id"), table_name="supervision_reads")
    op.drop_table("supervision_reads")
