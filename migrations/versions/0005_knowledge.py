"""knowledge base: articles, revisions, feedback (R-28…R-30)

Revision ID: 0005
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("live_revision_id", sa.Integer(), nullable=True),
        sa.Column("pending_revision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["org_units.id"],
                                name=op.f("fk_knowledge_articles_owner_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_articles")),
    )
    op.create_index(op.f("ix_knowledge_articles_owner_unit_id"), "knowledge_articles", ["owner_unit_id"])
    op.create_index(op.f("ix_knowledge_articles_category"), "knowledge_articles", ["category"])
    op.create_index(op.f("ix_knowledge_articles_region_code"), "knowledge_articles", ["region_code"])
    op.create_index(op.f("ix_knowledge_articles_status"), "knowledge_articles", ["status"])
    op.create_table(
        "knowledge_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("source_document", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["knowledge_articles.id"],
                                name=op.f("fk_knowledge_revisions_article_id_knowledge_articles")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_knowledge_revisions_author_id_users")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_knowledge_revisions_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_revisions")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_knowledge_revisions_article_id")),
    )
    op.create_index(op.f("ix_knowledge_revisions_article_id"), "knowledge_revisions", ["article_id"])
    # the article points at its live and pending revisions (a cycle: added after both tables exist)
    with op.batch_alter_table("knowledge_articles") as batch:
        batch.create_foreign_key(op.f("fk_knowledge_articles_live_revision_id_knowledge_revisions"),
                                 "knowledge_revisions", ["live_revision_id"], ["id"])
        batch.create_foreign_key(op.f("fk_knowledge_articles_pending_revision_id_knowledge_revisions"),
                                 "knowledge_revisions", ["pending_revision_id"], ["id"])
    op.create_table(
        "knowledge_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["knowledge_articles.id"],
                                name=op.f("fk_knowledge_feedback_article_id_knowledge_articles")),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name=op.f("fk_knowledge_feedback_reporter_id_users")),
        sa.ForeignKeyConstraint(["resolved_by"], ["users.id"], name=op.f("fk_knowledge_feedback_resolved_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_feedback")),
    )
    op.create_index(op.f("ix_knowledge_feedback_article_id"), "knowledge_feedback", ["article_id"])
    op.create_index(op.f("ix_knowledge_feedback_status"), "knowledge_feedback", ["status"])


def downgrade() -> None:
    op.drop_table("knowledge_feedback")
    with op.batch_alter_table("knowledge_articles") as batch:
        batch.drop_constraint(op.f("fk_knowledge_articles_live_revision_id_knowledge_revisions"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_knowledge_articles_pending_revision_id_knowledge_revisions"), type_="foreignkey")
    op.drop_table("knowledge_revisions")
    op.drop_table("knowledge_articles")
