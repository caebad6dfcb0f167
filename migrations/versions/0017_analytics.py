"""analytics: ticket topics, alerts (预警), scorecard weights; indexes for the period reports

Revision ID: 0017
Revises: 0016 (depends on 0002: tickets)
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = "0002"

# the first version of the scorecard weights; later versions are published through the API
DEFAULT_WEIGHTS = {"answer_rate": 20, "service_level": 10, "sign_on_time": 15, "handle_on_time": 20,
                   "return_rate": 5, "extension_rate": 5, "satisfaction": 20, "repeat_rate": 5}


def upgrade() -> None:
    op.create_table(
        "ticket_topics",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("enterprise_related", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_ticket_topics_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_topics")),
    )
    op.create_index("ix_ticket_topics_created_topic", "ticket_topics", ["created_at", "topic"])
    op.create_index("ix_ticket_topics_topic_region_created", "ticket_topics", ["topic", "county_code", "created_at"])
    op.create_table(
        "analytics_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("notice", sa.String(length=500), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledgement", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name=op.f("fk_analytics_alerts_acknowledged_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_alerts")),
    )
    op.create_index(op.f("ix_analytics_alerts_region_code"), "analytics_alerts", ["region_code"])
    op.create_index(op.f("ix_analytics_alerts_raised_at"), "analytics_alerts", ["raised_at"])
    op.create_index(op.f("ix_analytics_alerts_cleared_at"), "analytics_alerts", ["cleared_at"])
    op.create_index("uq_analytics_alerts_open_key", "analytics_alerts", ["kind", "key"], unique=True,
                    postgresql_where=sa.text("cleared_at IS NULL"), sqlite_where=sa.text("cleared_at IS NULL"))
    weights = op.create_table(
        "scorecard_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("published_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_weights")),
        sa.UniqueConstraint("version", name=op.f("uq_scorecard_weights_version")),
    )
    op.create_index("uq_scorecard_weights_one_active", "scorecard_weights", ["active"], unique=True,
                    postgresql_where=sa.text("active"), sqlite_where=sa.text("active"))
    op.bulk_insert(weights, [{"version": "2026-default", "body": DEFAULT_WEIGHTS,
                              "published_at": datetime.now(UTC),
                              "published_by": "migration", "note": "初始权重", "active": True}])
    op.create_index("ix_ticket_events_action_at", "ticket_events", ["action", "at"])
    op.create_index(op.f("ix_ticket_callers_source_ticket_id"), "ticket_callers", ["source_ticket_id"])
    op.create_index(op.f("ix_ticket_callers_callback_at"), "ticket_callers", ["callback_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_callers_callback_at"), table_name="ticket_callers")
    op.drop_index(op.f("ix_ticket_callers_source_ticket_id"), table_name="ticket_callers")
    op.drop_index("ix_ticket_events_action_at", table_name="ticket_events")
    op.drop_index("uq_scorecard_weights_one_active", table_name="scorecard_weights")
    op.drop_table("scorecard_weights")
    op.drop_index("uq_analytics_alerts_open_key", table_name="analytics_alerts")
    op.drop_index(op.f("ix_analytics_alerts_cleared_at"), table_name="analytics_alerts")
    op.drop_index(op.f("ix_analytics_alerts_raised_at"), table_name="analytics_alerts")
    op.drop_index(op.f("ix_analytics_alerts_region_code"), table_name="analytics_alerts")
    op.drop_table("analytics_alerts")
    op.drop_index("ix_ticket_topics_topic_region_created", table_name="ticket_topics")
    op.drop_index("ix_ticket_topics_created_topic", table_name="ticket_topics")
    op.drop_table("ticket_topics")
