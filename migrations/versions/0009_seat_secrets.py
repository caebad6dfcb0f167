"""seat secrets: each seat's own random SIP password, rotated on access changes (R-35)

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-01 00:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seat_secrets",
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("rotated_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("extension", name=op.f("pk_seat_secrets")),
    )


def downgrade() -> None:
    op.drop_table("seat_secrets")
