"""Knowledge base operations: authoring by the owning unit, review by the hotline, search."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from access.permissions import Permission
from access.principal import Principal
from core.chinese_text import TOKENS_VERSION
from core.errors import Conflict, Forbidden, NotFound
from core.timeutil import utcnow
from knowledge.schemas import ArticleContent, ArticleCreate
from knowledge.search_cache import VERSION_KEY
from knowledge.search_index import article_terms
from knowledge.workflow import ArticleAction, ArticleStatus, IllegalArticleTransition, Side, next_status
from models import AuditEvent, KnowledgeArticle, KnowledgeFeedback, KnowledgeRevision, OrgUnit

# one PostgreSQL advisory lock, held from taking a search_seq until the commit: the numbers
# become visible in their order, so a process that has seen n has seen everything below it
SEARCH_SEQ_LOCK = 0x12345_16
# the audit actions of writing an entry: with each revision's author_id, who wrote any of its text
AUTHORING_ACTIONS = ("knowledge_created", "knowledge_edited")


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


@dataclass(frozen=True)
class ActOutcome:
    article: KnowledgeArticle
    search_changed: bool  # published or retired: bump the search index once this is committed


async def act(session: AsyncSession, *, principal: Principal, article_id: int, action: ArticleAction,
              note: str | None) -> ActOutcome:
    """Submit, approve, reject or retire; an illegal step is a 409. The caller commits, then calls
    bump_search_index when search_changed (never before: a rollback must leave the index alone)."""
    article = await get_article(session, article_id, lock=True)
    if action is ArticleAction.RETIRE:
        require_reviewer(principal)
        _step(ArticleStatus(article.status), action, Side.REVIEWER)
        article.status, article.retired_at = ArticleStatus.RETIRED, utcnow()
        article.search_seq = await next_search_seq(session)
        return ActOutcome(article, search_changed=True)
    pending = await session.get(KnowledgeRevision, article.pending_revision_id) if article.pending_revision_id else None
    if pending is None:
        raise Conflict("没有待提交或待审核的版本 (no version awaits this step)")
    side = Side.OWNER if action is ArticleAction.SUBMIT else Side.REVIEWER
    (require_owner(principal, article.owner_unit_id) if side is Side.OWNER else require_reviewer(principal))
    if side is Side.REVIEWER and principal.user_id in await authors(session, article.id):
        raise Forbidden("审核人不能审核自己参与编写的条目 (four-eyes rule: the reviewer wrote a version of this entry)")
    pending.state = _step(ArticleStatus(pending.state), action, side)
    if side is Side.REVIEWER:
        pending.reviewer_id, pending.reviewed_at, pending.review_note = principal.user_id, utcnow(), note
    if pending.state == ArticleStatus.PUBLISHED:
        await _publish(session, article, pending)
        return ActOutcome(article, search_changed=True)
    return ActOutcome(article, search_changed=False)


async def bump_search_index(redis: Redis) -> None:
    """Tell every process to re-read the changed entries; only after the change is committed, or a
    process could read the old rows and take them for the new version (knowledge/search_cache.py)."""
    await redis.incr(VERSION_KEY)


async def next_search_seq(session: AsyncSession) -> int:
    """The number of a change to what search finds, in commit order: on PostgreSQL the advisory
    lock serialises the changes until their commit (publishing is rare: reviewers, not callers);
    SQLite has one writer at a time anyway."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(SEARCH_SEQ_LOCK)))
    return int(await session.scalar(select(func.coalesce(func.max(KnowledgeArticle.search_seq), 0)))) + 1


async def store_search_terms(revision: KnowledgeRevision) -> None:
    """The version's search terms, computed once when it is published (in a worker thread: a long
    text takes milliseconds to segment)."""
    revision.search_terms = await asyncio.to_thread(article_terms, revision.title, revision.body,
                                                    tuple(revision.keywords or ()))
    revision.search_terms_version = TOKENS_VERSION


async def authors(session: AsyncSession, article_id: int) -> set[int]:
    """Everyone who wrote any revision of the entry: each revision's author and, since an edit
    replaces the draft's author, everyone the audit log shows creating or editing it."""
    revision_authors = await session.scalars(
        select(KnowledgeRevision.author_id).where(KnowledgeRevision.article_id == article_id))
    editors = await session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.resource_type == "knowledge_article",
                                          AuditEvent.resource_id == str(article_id),
                                          AuditEvent.action.in_(AUTHORING_ACTIONS),
                                          AuditEvent.actor_id.is_not(None)))
    return set(revision_authors.all()) | set(editors.all())


def authoring_side(principal: Principal, owner_unit_id: int, *, is_author: bool) -> bool:
    """Who may see a draft: whoever wrote a revision of it, and the writers of its own unit."""
    return is_author or (principal.can(Permission.KNOWLEDGE_WRITE) and principal.org_unit_id == owner_unit_id)


def may_see_version(principal: Principal, owner_unit_id: int, state: str, *, is_author: bool) -> bool:
    """A version not yet published: drafts to the authoring side only; a version in review also to
    the reviewers (and the owning unit's side)."""
    if authoring_side(principal, owner_unit_id, is_author=is_author):
        return True
    return state == ArticleStatus.IN_REVIEW and (principal.can(Permission.KNOWLEDGE_REVIEW)
                                                 or owner_side(principal, owner_unit_id))


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL: articles the principal may see at all (a live version, or a pending one they may see)."""
    # aliases: the review list joins knowledge_revisions itself, which would correlate these
    pending, written = aliased(KnowledgeRevision), aliased(KnowledgeRevision)
    wrote = or_(
        exists().where(written.article_id == KnowledgeArticle.id, written.author_id == principal.user_id),
        exists().where(AuditEvent.resource_type == "knowledge_article",
                       AuditEvent.resource_id == cast(KnowledgeArticle.id, String),
                       AuditEvent.action.in_(AUTHORING_ACTIONS), AuditEvent.actor_id == principal.user_id))
    own_unit = (KnowledgeArticle.owner_unit_id == principal.org_unit_id
                if principal.can(Permission.KNOWLEDGE_WRITE) else None)
    in_review = exists().where(pending.id == KnowledgeArticle.pending_revision_id,
                               pending.state == ArticleStatus.IN_REVIEW)
    reviewable = (in_review if principal.can(Permission.KNOWLEDGE_REVIEW)
                  else and_(in_review, principal.scope.unit_clause(KnowledgeArticle.owner_unit_id))
                  if principal.can(Permission.KNOWLEDGE_WRITE) else None)
    clauses = [KnowledgeArticle.live_revision_id.is_not(None), wrote]
    clauses += [clause for clause in (own_unit, reviewable) if clause is not None]
    return or_(*clauses) if clauses else true()


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
    await store_search_terms(revision)
    article.search_seq = await next_search_seq(session)


async def report_error(session: AsyncSession, *, principal: Principal, article_id: int, text: str) -> KnowledgeFeedback:
    """An error report (纠错) on a published entry, routed to its owning unit."""
    article = await get_article(session, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict("只能对已发布的条目纠错 (only published entries take error reports)")
    feedback = KnowledgeFeedback(article_id=article.id, reporter_id=principal.user_id, text=text)
    session.add(feedback)
    await session.flush()
    return feedback
