"""Versions of a knowledge entry's text; the live one serves while the next is reviewed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class KnowledgeRevision(Base):
    """One version: title, text, keywords and the policy document it rests on."""

    __tablename__ = "knowledge_revisions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_document: Mapped[str | None] = mapped_column(String(200))  # e.g. 川办发〔2026〕12号
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft|in_review|published|superseded
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(500))
    # the version's search terms with their weighted counts, computed when it is published
    # (knowledge.search_index.article_terms), and the tokens() rules they were made with
    search_terms: Mapped[dict[str, int] | None] = mapped_column(JSON)
    search_terms_version: Mapped[int | None] = mapped_column(Integer)
