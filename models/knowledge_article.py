"""Knowledge base entries (R-28…R-30): one row per entry, its text lives in revisions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

# guide 办事指南 · policy 政策文件 · interpretation 政策解读 · hot_topic 热点问答口径
# · event_script 重大突发事件应答口径 · faq 常见问题
ARTICLE_CATEGORIES = ("guide", "policy", "interpretation", "hot_topic", "event_script", "faq")


class KnowledgeArticle(Base):
    """An entry owned by the unit that provides it (谁提供、谁负责、谁更新)."""

    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    category: Mapped[str] = mapped_column(String(16), index=True)
    # where the answer applies; None = the whole province
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # open to the public's self-service search
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft|published|retired
    live_revision_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_revisions.id", use_alter=True))
    pending_revision_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_revisions.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    # the order of changes to what search finds (publish, retire): every process's index re-reads
    # the entries changed after the last number it saw (knowledge/search_cache.py); None = never
    search_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)
