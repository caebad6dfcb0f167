"""Full-text search over knowledge articles, pure: an inverted index with BM25 ranking.

Titles and keywords count more than body text (they are repeated into the indexed field).
The index is rebuilt from published articles when the knowledge base changes; a query
costs only the postings of its terms, so tens of thousands of articles stay fast.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from core.chinese_text import cached_tokens, tokens

K1 = 1.5
B = 0.75
TITLE_WEIGHT = 3  # a word in the title counts as three in the body


@dataclass(frozen=True)
class IndexedArticle:
    id: int
    title: str
    body: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


class SearchIndex:
    """BM25 over articles; build once, query many times."""

    def __init__(self, articles: Iterable[IndexedArticle]) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: dict[int, int] = {}
        for article in articles:
            terms = list(cached_tokens(article.title)) * TITLE_WEIGHT
            for keyword in article.keywords:
                terms += list(cached_tokens(keyword)) * TITLE_WEIGHT
            terms += tokens(article.body)
            self.lengths[article.id] = len(terms)
            for term, count in Counter(terms).items():
                self.postings[term].append((article.id, count))
        self.average_length = (sum(self.lengths.values()) / len(self.lengths)) if self.lengths else 0.0

    def __len__(self) -> int:
        return len(self.lengths)

    def _idf(self, term: str) -> float:
        n = len(self.lengths)
        df = len(self.postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, *, limit: int = 10, allowed: set[int] | None = None) -> list[Hit]:
        """The best-matching articles for query (optionally only ids in allowed), best first."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(tokens(query)):
            idf = self._idf(term)
            for article_id, tf in self.postings.get(term, ()):
                if allowed is not None and article_id not in allowed:
                    continue
                norm = K1 * (1 - B + B * self.lengths[article_id] / (self.average_length or 1))
                scores[article_id] += idf * tf * (K1 + 1) / (tf + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(id=article_id, score=round(score, 4)) for article_id, score in ranked[:limit]]
