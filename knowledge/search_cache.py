"""A process's knowledge search index, kept current one entry at a time (R-30).

Every publish or retire gives the article the next `search_seq` (service.next_search_seq,
serialised until commit) and, once committed, bumps the Redis counter VERSION_KEY. A search
reads that counter (one GET); when it moved — or STALE_SECONDS passed, in case a bump was lost —
the process reads only the articles whose `search_seq` is past the last one it has seen and
re-indexes those from the terms stored at their publication. The whole index is built once per
process, from the stored terms, in a worker thread (never on the event loop); so is each change.
Nothing lives only in one process: the database holds the terms and the order, Redis the hint.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.chinese_text import TOKENS_VERSION
from knowledge.search_index import SearchIndex, Terms, article_terms
from knowledge.workflow import ArticleStatus
from models import KnowledgeArticle, KnowledgeRevision, OrgUnit

log = logging.getLogger(__name__)
VERSION_KEY = "knowledge:version"  # bumped after every committed publish/retire
STALE_SECONDS = 30.0  # look for changes at least this often, bump or no bump


@dataclass(frozen=True)
class Entry:
    """What a search hit shows of a live entry."""

    id: int
    title: str
    body: str
    category: str
    region_code: str | None
    public: bool
    published_at: datetime | None
    source_document: str | None
    owner_unit_name: str


def _entries_query() -> Select:
    # the stored terms come as text and are parsed in the worker thread, not by the driver on the loop
    return (select(KnowledgeArticle.id, KnowledgeArticle.status, KnowledgeArticle.search_seq,
                   KnowledgeArticle.category, KnowledgeArticle.region_code, KnowledgeArticle.public,
                   KnowledgeArticle.published_at, KnowledgeRevision.title, KnowledgeRevision.body,
                   KnowledgeRevision.keywords, KnowledgeRevision.source_document,
                   cast(KnowledgeRevision.search_terms, Text).label("terms"),
                   KnowledgeRevision.search_terms_version, OrgUnit.name)
            .outerjoin(KnowledgeRevision, KnowledgeRevision.id == KnowledgeArticle.live_revision_id)
            .join(OrgUnit, OrgUnit.id == KnowledgeArticle.owner_unit_id))


def _terms(row) -> Terms:
    """The stored terms, or (stored before 0020 or by older rules) computed now."""
    if row.terms and row.search_terms_version == TOKENS_VERSION:
        return json.loads(row.terms)
    return article_terms(row.title, row.body, row.keywords or ())


def _live(row) -> bool:
    return row.status == ArticleStatus.PUBLISHED and row.title is not None


def _entry(row) -> Entry:
    return Entry(id=row.id, title=row.title, body=row.body, category=row.category, region_code=row.region_code,
                 public=row.public, published_at=row.published_at, source_document=row.source_document,
                 owner_unit_name=row.name)


def _build(rows) -> tuple[SearchIndex, dict[int, Entry]]:
    live = [row for row in rows if _live(row)]
    return SearchIndex.from_terms((row.id, _terms(row)) for row in live), {row.id: _entry(row) for row in live}


def _changed(index: SearchIndex, rows) -> tuple[SearchIndex, dict[int, Entry | None]]:
    changes = {row.id: (_terms(row) if _live(row) else None) for row in rows}
    return index.with_changes(changes), {row.id: (_entry(row) if _live(row) else None) for row in rows}


class SearchCache:
    """One per app (api/app.py). `current` gives an index no older than the last committed change
    whose bump this process has read."""

    def __init__(self) -> None:
        self.index: SearchIndex | None = None
        self.entries: dict[int, Entry] = {}
        self.seq = 0  # the highest search_seq applied
        self.version: str | None = None
        self.checked = 0.0  # monotonic time of the last look for changes
        self.full_builds = 0
        self.reindexed: list[int] = []  # the articles the last change re-indexed (for tests and logs)
        self.reindexed_total = 0
        self._lock: asyncio.Lock | None = None

    async def current(self, session: AsyncSession, redis: Redis) -> tuple[SearchIndex, dict[int, Entry]]:
        version = str(await redis.get(VERSION_KEY) or "0")
        if not self._fresh(version):
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if not self._fresh(version):  # not done meanwhile by a request that held the lock
                    checked = time.monotonic()
                    await (self._catch_up(session) if self.index is not None else self._load(session))
                    self.version, self.checked = version, checked
        return self.index, self.entries

    def _fresh(self, version: str) -> bool:
        return (self.index is not None and version == self.version
                and time.monotonic() - self.checked < STALE_SECONDS)

    async def _load(self, session: AsyncSession) -> None:
        # the number first: a change committed after it is read again by the next catch-up
        seq = await session.scalar(select(func.coalesce(func.max(KnowledgeArticle.search_seq), 0)))
        rows = (await session.execute(_entries_query().where(KnowledgeArticle.status == ArticleStatus.PUBLISHED))).all()
        started = time.perf_counter()
        self.index, self.entries = await asyncio.to_thread(_build, rows)
        self.seq, self.full_builds = seq, self.full_builds + 1
        log.info("knowledge search index built", extra={"entries": len(self.entries),
                                                       "ms": round((time.perf_counter() - started) * 1000)})

    async def _catch_up(self, session: AsyncSession) -> None:
        rows = (await session.execute(_entries_query().where(KnowledgeArticle.search_seq > self.seq)
                                      .order_by(KnowledgeArticle.search_seq))).all()
        if not rows:
            return
        index, changed = await asyncio.to_thread(_changed, self.index, rows)
        entries = dict(self.entries)
        for article_id, entry in changed.items():
            if entry is None:
                entries.pop(article_id, None)
            else:
                entries[article_id] = entry
        # one step on the loop: no query sees the new index with the old entries or the reverse
        self.index, self.entries, self.seq = index, entries, max(row.search_seq for row in rows)
        self.reindexed = [row.id for row in rows]
        self.reindexed_total += len(rows)
