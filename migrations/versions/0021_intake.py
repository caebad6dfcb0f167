"""intake: written requests (portal, mailbox, app) and the intake queue; mailbox messages taken;
attachment storage names relative to HOTLINE_ATTACHMENTS_DIR

Revision ID: 0021
Revises: 0020 (attachments; depends on 0002: tickets)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PREFIX = "attachments/"


def upgrade() -> None:
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("external_ref", sa.String(length=128), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("submitted_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_intake_requests_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_requests")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_intake_requests_ticket_id")),
    )
    op.create_index(op.f("ix_intake_requests_external_ref"), "intake_requests", ["external_ref"], unique=False)
    op.create_table(
        "mailbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.String(length=200), nullable=True),
        sa.Column("taken_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reply_sent_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reply_attempts", sa.Integer(), nullable=False),
        sa.Column("reply_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL",
                                name=op.f("fk_mailbox_messages_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_messages")),
        sa.UniqueConstraint("folder", "uidvalidity", "uid", name="uq_mailbox_messages_uid"),
    )
    op.create_index(op.f("ix_mailbox_messages_message_id"), "mailbox_messages", ["message_id"], unique=False)
    # storage names become relative to the attachments directory (by default <var dir>/attachments,
    # where the files already are)
    op.execute(sa.text("UPDATE ticket_attachments SET storage_name = substr(storage_name, :n) "
                       "WHERE storage_name LIKE :prefix").bindparams(n=len(PREFIX) + 1, prefix=PREFIX + "%"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE ticket_attachments SET storage_name = :prefix || storage_name "
                       "WHERE storage_name NOT LIKE :like").bindparams(prefix=PREFIX, like=PREFIX + "%"))
    op.drop_index(op.f("ix_mailbox_messages_message_id"), table_name="mailbox_messages")
    op.drop_table("mailbox_messages")
    op.drop_index(op.f("ix_intake_requests_external_ref"), table_name="intake_requests")
    op.drop_table("intake_requests")
