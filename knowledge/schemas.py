"""Bodies of the knowledge-base API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.knowledge_article import ARTICLE_CATEGORIES

CategoryPattern = "^(" + "|".join(ARTICLE_CATEGORIES) + ")$"


class ArticleContent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=2, max_length=50_000)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    source_document: str | None = Field(default=None, max_length=200)


class ArticleCreate(ArticleContent):
    owner_unit_id: int = Field(ge=1, le=2_147_483_647)
    category: str = Field(pattern=CategoryPattern)
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    public: bool = False


class ReviewNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=500)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=2, max_length=1000)


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    title: str
    body: str
    keywords: list[str]
    source_document: str | None
    state: str
    author_id: int
    created_at: datetime
    reviewer_id: int | None
    reviewed_at: datetime | None
    review_note: str | None


class ArticleOut(BaseModel):
    id: int
    owner_unit_id: int
    owner_unit_name: str
    category: str
    region_code: str | None
    public: bool
    status: str
    published_at: datetime | None
    live: RevisionOut | None
    pending: RevisionOut | None


class SearchHit(BaseModel):
    id: int
    title: str
    snippet: str
    category: str
    owner_unit_name: str
    region_code: str | None
    score: float
    published_at: datetime | None
    source_document: str | None


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    article_id: int
    reporter_id: int
    text: str
    status: str
    created_at: datetime
    resolution: str | None
