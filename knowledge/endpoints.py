"""Knowledge base API (R-28…R-30): authoring, review, error reports, and search for staff and public."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.context import client_ip_var
from core.errors import Forbidden, NotFound, TooManyRequests
from core.timeutil import utcnow
from knowledge import service
from knowledge.schemas import (
    ArticleContent,
    ArticleCreate,
    ArticleOut,
    FeedbackCreate,
    FeedbackOut,
    ReviewNote,
    RevisionOut,
    SearchHit,
)
from knowledge.search_cache import Entry, SearchCache
from knowledge.workflow import ArticleAction
from models import KnowledgeArticle, KnowledgeFeedback, KnowledgeRevision, OrgUnit
from web.deps import IdPath, PrincipalDep, RedisDep, SessionDep, UnitOfWorkDep, require

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
public_router = APIRouter(prefix="/knowledge/public", tags=["knowledge"])
Writer = Annotated[Principal, Depends(require(Permission.KNOWLEDGE_WRITE))]
Query_ = Annotated[str, Query(min_length=1, max_length=200, description="search words (Chinese or other)")]
PUBLIC_SEARCHES_PER_MINUTE = 60


def _cache(request: Request) -> SearchCache:
    return request.app.state.knowledge_search  # made with the app (api/app.py)


async def _visible_pending(session, principal: Principal, article: KnowledgeArticle) -> KnowledgeRevision | None:
    """The version awaiting submission or review, if this principal may see it (drafts: authors only)."""
    if not article.pending_revision_id:
        return None
    pending = await session.get(KnowledgeRevision, article.pending_revision_id)
    is_author = principal.user_id in await service.authors(session, article.id)
    return pending if service.may_see_version(principal, article.owner_unit_id, pending.state,
                                              is_author=is_author) else None


async def _article_out(session, article: KnowledgeArticle, principal: Principal) -> ArticleOut:
    unit = await session.get(OrgUnit, article.owner_unit_id)
    live = await session.get(KnowledgeRevision, article.live_revision_id) if article.live_revision_id else None
    pending = await _visible_pending(session, principal, article)
    return ArticleOut(id=article.id, owner_unit_id=article.owner_unit_id, owner_unit_name=unit.name,
                      category=article.category, region_code=article.region_code, public=article.public,
                      status=article.status, published_at=article.published_at,
                      live=RevisionOut.model_validate(live) if live else None,
                      pending=RevisionOut.model_validate(pending) if pending else None)


def _snippet(body: str, words: str, width: int = 120) -> str:
    for word in words.split():
        at = body.find(word)
        if at >= 0:
            start = max(0, at - width // 3)
            return ("…" if start else "") + body[start:start + width]
    return body[:width]


def _applies(entry: Entry, region_code: str | None) -> bool:
    # an entry for 510100 answers for 510107 too; one without a region answers everywhere
    article_region = entry.region_code
    return not article_region or not region_code or region_code.startswith(article_region.rstrip("0") or article_region)


def _hits(q: str, index, entries: dict[int, Entry], *, limit: int, where) -> list[SearchHit]:
    hits = []
    for hit in index.search(q, limit=limit, where=where):
        entry = entries[hit.id]
        hits.append(SearchHit(id=hit.id, title=entry.title, snippet=_snippet(entry.body, q),
                              category=entry.category, owner_unit_name=entry.owner_unit_name,
                              region_code=entry.region_code, score=hit.score,
                              published_at=entry.published_at, source_document=entry.source_document))
    return hits


@public_router.get("/search", response_model=list[SearchHit])
async def public_search(request: Request, q: Query_, session: SessionDep, redis: RedisDep,
                        limit: int = Query(default=10, ge=1, le=50)) -> list[SearchHit]:
    """Self-service search for the public (R-30): published entries marked public; no sign-in."""
    key = f"knowledge-public:{client_ip_var.get() or 'unknown'}"
    count = await redis.incr(key)
    if count == 1:
        await redis.expire(key, 60)
    if count > PUBLIC_SEARCHES_PER_MINUTE:
        raise TooManyRequests("查询过于频繁，请稍后再试 (too many searches)", retry_after=int(await redis.ttl(key)) or 1)
    index, entries = await _cache(request).current(session, redis)
    return _hits(q, index, entries, limit=limit, where=lambda i: entries[i].public)


@router.get("/search", response_model=list[SearchHit])
async def staff_search(
    request: Request, q: Query_, session: SessionDep, redis: RedisDep, _: PrincipalDep,
    region_code: str | None = Query(default=None, pattern=r"^[0-9]{6,12}$"),
    category: str | None = Query(default=None, max_length=16), limit: int = Query(default=10, ge=1, le=50),
) -> list[SearchHit]:
    """Search for agents and grassroots staff: every published entry that applies to the region."""
    index, entries = await _cache(request).current(session, redis)

    def where(article_id: int) -> bool:  # asked of the best-ranked matches only, not of every entry
        entry = entries[article_id]
        return _applies(entry, region_code) and (category is None or entry.category == category)

    return _hits(q, index, entries, limit=limit, where=where)


@router.get("/articles/{article_id}", response_model=ArticleOut)
async def read_article(article_id: IdPath, session: SessionDep, principal: PrincipalDep) -> ArticleOut:
    """One entry; a version not yet published only for its authors (and, once submitted, reviewers)."""
    article = await service.get_article(session, article_id)
    out = await _article_out(session, article, principal)
    if out.live is None and out.pending is None:
        raise NotFound(f"知识条目 {article_id} 不存在 (article not found)")
    return out


@router.get("/articles", response_model=list[ArticleOut])
async def list_articles(
    session: SessionDep, principal: PrincipalDep,
    status: str | None = Query(default=None, pattern="^(draft|published|retired)$"),
    review: bool = Query(default=False, description="only entries with a version awaiting review"),
    limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[ArticleOut]:
    """Entries for the work lists: a unit's own, or the review queue for reviewers; never another's draft."""
    query = (select(KnowledgeArticle).where(service.visible_clause(principal))
             .order_by(KnowledgeArticle.id.desc()).limit(limit).offset(offset))
    if not principal.can(Permission.KNOWLEDGE_REVIEW):
        query = query.where(principal.scope.unit_clause(KnowledgeArticle.owner_unit_id))
    if status:
        query = query.where(KnowledgeArticle.status == status)
    if review:
        query = query.join(KnowledgeRevision, KnowledgeRevision.id == KnowledgeArticle.pending_revision_id).where(
            KnowledgeRevision.state == "in_review")
    return [await _article_out(session, a, principal) for a in (await session.scalars(query)).all()]


async def _audited(session, principal: Principal, action: str, article: KnowledgeArticle, **detail) -> ArticleOut:
    await record(session, action=action, actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="knowledge_article", resource_id=article.id, detail=detail)
    await session.flush()
    return await _article_out(session, article, principal)


@router.post("/articles", response_model=ArticleOut, status_code=201)
async def create_article(body: ArticleCreate, session: SessionDep, principal: Writer) -> ArticleOut:
    """A new entry (draft) provided by a unit."""
    article = await service.create_article(session, principal=principal, body=body)
    return await _audited(session, principal, "knowledge_created", article, title=body.title)


@router.put("/articles/{article_id}", response_model=ArticleOut)
async def edit_article(article_id: IdPath, body: ArticleContent, session: SessionDep, principal: Writer) -> ArticleOut:
    """Edit the draft, or start the next version of a published entry."""
    article = await service.edit_article(session, principal=principal, article_id=article_id, content=body)
    return await _audited(session, principal, "knowledge_edited", article, title=body.title)


@router.post("/articles/{article_id}/feedback", response_model=FeedbackOut, status_code=201)
async def report_error(article_id: IdPath, body: FeedbackCreate, session: SessionDep,
                       principal: PrincipalDep) -> KnowledgeFeedback:
    """Report an error in a published entry (纠错); it goes to the owning unit's list."""
    feedback = await service.report_error(session, principal=principal, article_id=article_id, text=body.text)
    await record(session, action="knowledge_error_reported", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="knowledge_article", resource_id=article_id)
    await session.flush()
    return feedback


@router.post("/articles/{article_id}/{action}", response_model=ArticleOut)
async def act_on_article(article_id: IdPath, action: ArticleAction, session: SessionDep, redis: RedisDep,
                         principal: PrincipalDep, uow: UnitOfWorkDep, body: ReviewNote | None = None) -> ArticleOut:
    """submit (owner) · approve / reject / retire (hotline review)."""
    outcome = await service.act(session, principal=principal, article_id=article_id, action=action,
                                note=body.note if body else None)
    out = await _audited(session, principal, f"knowledge_{action.value}", outcome.article,
                         note=body.note if body else None)
    if outcome.search_changed:  # once committed: then every process may rebuild from the new rows
        uow.after_commit(lambda: service.bump_search_index(redis))
    return out


@router.get("/feedback", response_model=list[FeedbackOut])
async def list_feedback(session: SessionDep, principal: PrincipalDep,
                        status: str = Query(default="open", pattern="^(open|resolved)$"),
                        limit: int = Query(default=50, ge=1, le=500),
                        offset: int = Query(default=0, ge=0, le=1_000_000)) -> list[KnowledgeFeedback]:
    """Error reports on the principal's unit's entries (reviewers: all), oldest first, a page at a time."""
    query = (select(KnowledgeFeedback).join(KnowledgeArticle, KnowledgeArticle.id == KnowledgeFeedback.article_id)
             .where(KnowledgeFeedback.status == status).order_by(KnowledgeFeedback.id).limit(limit).offset(offset))
    if not principal.can(Permission.KNOWLEDGE_REVIEW):
        query = query.where(principal.scope.unit_clause(KnowledgeArticle.owner_unit_id))
    return list((await session.scalars(query)).all())


@router.post("/feedback/{feedback_id}/resolve", response_model=FeedbackOut)
async def resolve_feedback(feedback_id: IdPath, body: ReviewNote, session: SessionDep, principal: Writer) -> KnowledgeFeedback:
    """Close an error report with what was done (usually a new version of the entry)."""
    feedback = await session.get(KnowledgeFeedback, feedback_id)
    if feedback is None:
        raise NotFound(f"纠错记录 {feedback_id} 不存在 (feedback not found)")
    article = await service.get_article(session, feedback.article_id)
    if not (service.owner_side(principal, article.owner_unit_id) or principal.can(Permission.KNOWLEDGE_REVIEW)):
        raise Forbidden("只有提供单位或审核人员可以处理纠错 (only the owning unit or reviewers)")
    feedback.status, feedback.resolved_by, feedback.resolved_at = "resolved", principal.user_id, utcnow()
    feedback.resolution = body.note
    await record(session, action="knowledge_error_resolved", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="knowledge_feedback", resource_id=feedback.id)
    return feedback
