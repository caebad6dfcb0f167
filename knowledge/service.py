"""Knowledge base operations: authoring by the owning unit, review by the hotline, search."""
from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from core.errors import Conflict, Forbidden, NotFound
from core.timeutil import utcnow
from knowledge.schemas import ArticleContent, ArticleCreate
from knowledge.search_index import IndexedArticle, SearchIndex
from knowledge.workflow import ArticleAction, ArticleStatus, IllegalArticleTransition, Side, next_status
from models import KnowledgeArticle, KnowledgeFeedback, KnowledgeRevision, OrgUnit

VERSION_KEY = "knowledge:version"  # bumped on every publish/retire: processes rebuild their index


async def get_article(session: AsyncSession, article_id: int, *, lock: bool = False) -> KnowledgeArticle:
    """The article, or NotFound."""
    query = select(KnowledgeArticle).where(KnowledgeArticle.id == article_id)
    if lock:
        query = query.with_for_update()
    article = await session.scalar(query)
    if article is None:
        raise NotFound(f"知识条目 {article_id} 不存在 (article not found)")
    return article


def owner_side(principal: Principal, article_owner_unit_id: int) -> bool:
    """The provider side (谁提供): staff with write permission in the owning unit (or the province)."""
    return principal.can(Permission.KNOWLEDGE_WRITE) and principal.scope.covers_unit(article_owner_unit_id)


def require_owner(principal: Principal, owner_unit_id: int) -> None:
    if not owner_side(principal, owner_unit_id):
        raise Forbidden("只有提供单位可以编写和提交该条目 (only the owning unit may edit this entry)")


def require_reviewer(principal: Principal) -> None:
    if not principal.can(Permission.KNOWLEDGE_REVIEW):
        raise Forbidden("只有热线审核人员可以审核 (only hotline reviewers may review)")


async def create_article(session: AsyncSession, *, principal: Principal, body: ArticleCreate) -> KnowledgeArticle:
    """A new entry as a draft (version 1) of the owning unit."""
    require_owner(principal, body.owner_unit_id)
    if await session.get(OrgUnit, body.owner_unit_id) is None:
        raise NotFound(f"单位 {body.owner_unit_id} 不存在 (unit not found)")
    article = KnowledgeArticle(owner_unit_id=body.owner_unit_id, category=body.category,
                               region_code=body.region_code, public=body.public, status=ArticleStatus.DRAFT)
    session.add(article)
    await session.flush()
    revision = _revision(article.id, 1, body, principal.user_id)
    session.add(revision)
    await session.flush()
    article.pending_revision_id = revision.id
    return article


def _revision(article_id: int, version: int, content: ArticleContent, author_id: int) -> KnowledgeRevision:
    return KnowledgeRevision(article_id=article_id, version=version, title=content.title, body=content.body,
                             keywords=content.keywords, source_document=content.source_document,
                             state=ArticleStatus.DRAFT, author_id=author_id)


async def edit_article(session: AsyncSession, *, principal: Principal, article_id: int,
                       content: ArticleContent) -> KnowledgeArticle:
    """Change the draft, or start the next version of a published entry (the live one keeps serving)."""
    article = await get_article(session, article_id, lock=True)
    require_owner(principal, article.owner_unit_id)
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("条目已停用，不能修改 (entry is retired)")
    pending = await session.get(KnowledgeRevision, article.pending_revision_id) if article.pending_revision_id else None
    if pending is not None and pending.state == ArticleStatus.IN_REVIEW:
        raise Conflict("该版本正在审核中，不能修改 (the version is in review)")
    if pending is None:
        latest = await session.scalar(select(KnowledgeRevision.version).where(KnowledgeRevision.article_id == article.id)
                                      .order_by(KnowledgeRevision.version.desc()).limit(1))
        pending = _revision(article.id, (latest or 0) + 1, content, principal.user_id)
        session.add(pending)
        await session.flush()
        article.pending_revision_id = pending.id
    else:
        for field in ("title", "body", "keywords", "source_document"):
            setattr(pending, field, getattr(content, field))
        pending.author_id = principal.user_id
    return article


async def act(session: AsyncSession, redis: Redis, *, principal: Principal, article_id: int,
              action: ArticleAction, note: str | None) -> KnowledgeArticle:
    """Submit, approve, reject or retire; an illegal step is a 409."""
    article = await get_article(session, article_id, lock=True)
    if action is ArticleAction.RETIRE:
        require_reviewer(principal)
        _step(ArticleStatus(article.status), action, Side.REVIEWER)
        article.status, article.retired_at = ArticleStatus.RETIRED, utcnow()
        await redis.incr(VERSION_KEY)
        return article
    pending = await session.get(KnowledgeRevision, article.pending_revision_id) if article.pending_revision_id else None
    if pending is None:
        raise Conflict("没有待提交或待审核的版本 (no version awaits this step)")
    side = Side.OWNER if action is ArticleAction.SUBMIT else Side.REVIEWER
    (require_owner(principal, article.owner_unit_id) if side is Side.OWNER else require_reviewer(principal))
    if side is Side.REVIEWER and pending.author_id == principal.user_id:
        raise Forbidden("审核人不能审核自己编写的版本 (four-eyes rule: reviewer is the author)")
    pending.state = _step(ArticleStatus(pending.state), action, side)
    if side is Side.REVIEWER:
        pending.reviewer_id, pending.reviewed_at, pending.review_note = principal.user_id, utcnow(), note
    if pending.state == ArticleStatus.PUBLISHED:
        await _publish(session, article, pending)
        await redis.incr(VERSION_KEY)
    return article


def _step(status: ArticleStatus, action: ArticleAction, side: Side) -> ArticleStatus:
    try:
        return next_status(status, action, side)
    except IllegalArticleTransition as exc:
        raise Conflict(str(exc), code="illegal_transition") from exc


async def _publish(session: AsyncSession, article: KnowledgeArticle, revision: KnowledgeRevision) -> None:
    if article.live_revision_id:
        previous = await session.get(KnowledgeRevision, article.live_revision_id)
        previous.state = "superseded"
    article.live_revision_id, article.pending_revision_id = revision.id, None
    article.status, article.published_at = ArticleStatus.PUBLISHED, utcnow()


async def report_error(session: AsyncSession, *, principal: Principal, article_id: int, text: str) -> KnowledgeFeedback:
    """An error report (纠错) on a published entry, routed to its owning unit."""
    article = await get_article(session, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict("只能对已发布的条目纠错 (only published entries take error reports)")
    feedback = KnowledgeFeedback(article_id=article.id, reporter_id=principal.user_id, text=text)
    session.add(feedback)
    await session.flush()
    return feedback


@dataclass
class PublishedEntry:
    article: KnowledgeArticle
    revision: KnowledgeRevision
    unit_name: str


async def published_entries(session: AsyncSession) -> list[PublishedEntry]:
    """Every live entry with its live text and owner name."""
    rows = await session.execute(
        select(KnowledgeArticle, KnowledgeRevision, OrgUnit.name)
        .join(KnowledgeRevision, KnowledgeRevision.id == KnowledgeArticle.live_revision_id)
        .join(OrgUnit, OrgUnit.id == KnowledgeArticle.owner_unit_id)
        .where(KnowledgeArticle.status == ArticleStatus.PUBLISHED))
    return [PublishedEntry(article, revision, name) for article, revision, name in rows.tuples()]


class SearchCache:
    """A process's search index, rebuilt when another process publishes or retires (Redis counter)."""

    def __init__(self) -> None:
        self.version: str | None = None
        self.index = SearchIndex(())
        self.entries: dict[int, PublishedEntry] = {}

    async def current(self, session: AsyncSession, redis: Redis) -> tuple[SearchIndex, dict[int, PublishedEntry]]:
        version = str(await redis.get(VERSION_KEY) or "0")
        if version != self.version:
            entries = await published_entries(session)
            self.entries = {e.article.id: e for e in entries}
            self.index = SearchIndex(IndexedArticle(e.article.id, e.revision.title, e.revision.body,
                                                    tuple(e.revision.keywords)) for e in entries)
            self.version = version
        return self.index, self.entries
