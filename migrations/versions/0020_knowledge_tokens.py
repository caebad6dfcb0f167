"""knowledge search: terms stored at publication, the order of search changes

Revision ID: 0020
Revises: 0019 (depends on 0005: the knowledge tables)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = "0005"  # the knowledge tables


def upgrade() -> None:
    # entries published before this revision have no stored terms: the index computes them
    # when it loads them (knowledge/search_cache.py), until they are published again
    with op.batch_alter_table("knowledge_revisions") as batch:
        batch.add_column(sa.Column("search_terms", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("search_terms_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("knowledge_articles") as batch:
        batch.add_column(sa.Column("search_seq", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_knowledge_articles_search_seq"), "knowledge_articles", ["search_seq"])


def downgrade() -> None:
    op.drop_index(op.f("ix_knowledge_articles_search_seq"), table_name="knowledge_articles")
    with op.batch_alter_table("knowledge_articles") as batch:
        batch.drop_column("search_seq")
    with op.batch_alter_table("knowledge_revisions") as batch:
        batch.drop_column("search_terms_version")
        batch.drop_column("search_terms")
