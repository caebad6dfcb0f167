"""notifications: ticket events kept per audience (units, roles, region), read marks per person

Revision ID: 0013
Revises: 0012 (depends on 0002: tickets)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = "0002"  # the tickets table (work orders branch)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("regional", sa.Boolean(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_notifications_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_ticket_id"), "notifications", ["ticket_id"], unique=False)
    op.create_index(op.f("ix_notifications_region_code"), "notifications", ["region_code"], unique=False)
    op.create_index(op.f("ix_notifications_created_at"), "notifications", ["created_at"], unique=False)
    op.create_table(
        "notification_units",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_notification_units_unit_id_org_units")),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_units_notification_id_notifications")),
        sa.PrimaryKeyConstraint("unit_id", "notification_id", name=op.f("pk_notification_units")),
    )
    op.create_index(op.f("ix_notification_units_notification_id"), "notification_units", ["notification_id"],
                    unique=False)
    op.create_table(
        "notification_roles",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_roles_notification_id_notifications")),
        sa.PrimaryKeyConstraint("notification_id", "role", name=op.f("pk_notification_roles")),
    )
    op.create_table(
        "notification_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("read_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_reads_user_id_users")),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_reads_notification_id_notifications")),
        sa.PrimaryKeyConstraint("user_id", "notification_id", name=op.f("pk_notification_reads")),
    )
    op.create_index(op.f("ix_notification_reads_notification_id"), "notification_reads", ["notification_id"],
                    unique=False)
    op.create_table(
        "notification_read_through",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_through_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_read_through_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_read_through")),
    )


def downgrade() -> None:
    op.drop_table("notification_read_through")
    op.drop_index(op.f("ix_notification_reads_notification_id"), table_name="notification_reads")
    op.drop_table("notification_reads")
    op.drop_table("notification_roles")
    op.drop_index(op.f("ix_notification_units_notification_id"), table_name="notification_units")
    op.drop_table("notification_units")
    op.drop_index(op.f("ix_notifications_created_at"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_region_code"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_ticket_id"), table_name="notifications")
    op.drop_table("notifications")
