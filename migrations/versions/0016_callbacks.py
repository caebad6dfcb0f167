"""callbacks: satisfaction surveys by phone/SMS, callback tasks (missed calls, unreached surveys),
outbound calls on the call records (direction, ticket, callback task)

Revision ID: 0016
Revises: 0015 (depends on 0008: calls with their region)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = "0008"  # the calls table with region_code

TS = models.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "callback_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_caller_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("sms_sent_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_callback_surveys_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["ticket_caller_id"], ["ticket_callers.id"],
                                name=op.f("fk_callback_surveys_ticket_caller_id_ticket_callers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_surveys")),
        sa.UniqueConstraint("ticket_caller_id", "round", name="uq_callback_surveys_caller_round"),
    )
    for column in ("ticket_id", "phone", "region_code", "status", "due_at", "created_at"):
        op.create_index(op.f(f"ix_callback_surveys_{column}"), "callback_surveys", [column], unique=False)
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("abandons", sa.Integer(), nullable=False),
        sa.Column("first_call_id", sa.Integer(), nullable=True),
        sa.Column("last_call_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by_call_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_callback_tasks_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["survey_id"], ["callback_surveys.id"],
                                name=op.f("fk_callback_tasks_survey_id_callback_surveys")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_callback_tasks_assignee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    for column in ("kind", "phone", "status", "region_code", "created_at", "due_at", "ticket_id"):
        op.create_index(op.f(f"ix_callback_tasks_{column}"), "callback_tasks", [column], unique=False)
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("direction", sa.String(length=8), server_default="inbound", nullable=False))
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("callback_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("callback_id")
        batch.drop_column("ticket_id")
        batch.drop_column("direction")
    for column in ("kind", "phone", "status", "region_code", "created_at", "due_at", "ticket_id"):
        op.drop_index(op.f(f"ix_callback_tasks_{column}"), table_name="callback_tasks")
    op.drop_table("callback_tasks")
    for column in ("ticket_id", "phone", "region_code", "status", "due_at", "created_at"):
        op.drop_index(op.f(f"ix_callback_surveys_{column}"), table_name="callback_surveys")
    op.drop_table("callback_surveys")
