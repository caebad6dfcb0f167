"""api clients: OAuth2 client credentials, handed-over requests, webhook deliveries, outbox cursors

Revision ID: 0022
Revises: 0021 (depends on 0002: tickets, users)

Also gives outbox_events a `seq`: the order in which rows became visible, the cursor of the
further consumers of the outbox (the feed, the AMQP relay, the webhooks; events/sequence.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = "0002"

UTC_TIME = models.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("webhook_secret", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("rotated_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_clients_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    op.create_table(
        "api_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["api_clients.id"], name=op.f("fk_api_requests_client_id_api_clients")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_api_requests_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_requests")),
        sa.UniqueConstraint("client_id", "external_ref", name="uq_api_requests_client_ref"),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_api_requests_ticket_id")),
    )
    op.create_index(op.f("ix_api_requests_client_id"), "api_requests", ["client_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("delivered_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["api_clients.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_deliveries_client_id_api_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(op.f("ix_webhook_deliveries_client_id"), "webhook_deliveries", ["client_id"], unique=False)
    op.create_index(op.f("ix_webhook_deliveries_status"), "webhook_deliveries", ["status"], unique=False)
    op.create_table(
        "outbox_consumers",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_consumers")),
    )
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(op.f("uq_outbox_events_seq"), ["seq"])
    op.create_index("ix_outbox_events_unsequenced", "outbox_events", ["id"], unique=False,
                    postgresql_where=sa.text("seq IS NULL"), sqlite_where=sa.text("seq IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_outbox_events_unsequenced", table_name="outbox_events")
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_constraint(op.f("uq_outbox_events_seq"), type_="unique")
        batch.drop_column("seq")
    op.drop_table("outbox_consumers")
    op.drop_index(op.f("ix_webhook_deliveries_status"), table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_client_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_api_requests_client_id"), table_name="api_requests")
    op.drop_table("api_requests")
    op.drop_table("api_clients")
