"""Full-text search over knowledge articles, pure: an inverted index with BM25 ranking.

Titles and keywords count more than body text (their terms are counted TITLE_WEIGHT times).
An article's terms are computed once, when it is published (`article_terms`, stored with the
revision); the index is built from them and changed one article at a time (`with_changes`
returns a new index sharing every posting list the change does not touch, so it can be made in
a worker thread while queries keep using the old one). Postings are numpy arrays: a query costs
one vectorised pass over the postings of its terms, whatever their length.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from core.chinese_text import cached_tokens, tokens

K1 = 1.5
B = 0.75
TITLE_WEIGHT = 3  # a word in the title counts as three in the body
Terms = Mapping[str, int]  # an article's terms with their (weighted) counts
_NO_SLOTS, _NO_COUNTS = np.empty(0, np.int32), np.empty(0, np.float64)


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


def article_terms(title: str, body: str, keywords: Iterable[str] = ()) -> dict[str, int]:
    """The terms of an article with their counts, title and keywords weighted (stored at publication)."""
    terms = list(cached_tokens(title)) * TITLE_WEIGHT
    for keyword in keywords:
        terms += list(cached_tokens(keyword)) * TITLE_WEIGHT
    terms += tokens(body)
    return dict(Counter(terms))


class SearchIndex:
    """BM25 over articles. Never changed in place: `with_changes` gives the next index."""

    def __init__(self, articles: Iterable[IndexedArticle] = ()) -> None:
        self._build((a.id, article_terms(a.title, a.body, a.keywords)) for a in articles)

    @classmethod
    def from_terms(cls, items: Iterable[tuple[int, Terms]]) -> SearchIndex:
        """The index of (article id, its stored terms) pairs."""
        index = cls.__new__(cls)
        index._build(items)
        return index

    def _build(self, items: Iterable[tuple[int, Terms]]) -> None:
        lists: dict[str, tuple[list[int], list[int]]] = {}
        ids: list[int] = []
        lengths: list[float] = []
        self._terms: list[tuple[str, ...] | None] = []
        self._slot: dict[int, int] = {}
        for article_id, terms in items:
            if article_id in self._slot:
                raise ValueError(f"article {article_id} given twice")
            slot = len(ids)
            self._slot[article_id] = slot
            ids.append(article_id)
            lengths.append(float(sum(terms.values())))
            self._terms.append(tuple(terms))
            for term, count in terms.items():
                entry = lists.get(term)
                if entry is None:
                    lists[term] = entry = ([], [])
                entry[0].append(slot)
                entry[1].append(count)
        self._ids = np.array(ids, dtype=np.int64)
        self._lengths = np.array(lengths, dtype=np.float64)
        self._total_length = float(self._lengths.sum())
        self._free: list[int] = []
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            term: (np.array(slots, dtype=np.int32), np.array(counts, dtype=np.float64))
            for term, (slots, counts) in lists.items()}

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, article_id: int) -> bool:
        return article_id in self._slot

    @property
    def average_length(self) -> float:
        return self._total_length / len(self._slot) if self._slot else 0.0

    def with_changes(self, changes: Mapping[int, Terms | None]) -> SearchIndex:
        """A new index with each article of changes (re)indexed with its terms, or removed (None).

        Costs the posting lists of the changed articles' old and new terms only."""
        new = SearchIndex.__new__(SearchIndex)
        new._slot, new._terms, new._free = dict(self._slot), list(self._terms), list(self._free)
        new._ids, new._lengths, new._total_length = self._ids.copy(), self._lengths.copy(), self._total_length
        new.postings = dict(self.postings)
        removed: dict[str, set[int]] = defaultdict(set)
        added: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for article_id, terms in changes.items():
            old = new._slot.pop(article_id, None)
            if old is not None:
                for term in new._terms[old] or ():
                    removed[term].add(old)
                new._total_length -= float(new._lengths[old])
                new._lengths[old], new._terms[old] = 0.0, None
                new._free.append(old)
            if not terms:
                continue
            slot = new._allocate(article_id)
            length = float(sum(terms.values()))
            new._lengths[slot], new._terms[slot] = length, tuple(terms)
            new._total_length += length
            for term, count in terms.items():
                added[term].append((slot, count))
        for term in removed.keys() | added.keys():
            posting = new.postings.get(term)
            slots, counts = posting if posting is not None else (_NO_SLOTS, _NO_COUNTS)
            gone = removed.get(term)
            if gone:
                keep = (slots != next(iter(gone))) if len(gone) == 1 else ~np.isin(slots, list(gone))
                slots, counts = slots[keep], counts[keep]
            if term in added:
                slots = np.concatenate([slots, np.array([s for s, _ in added[term]], dtype=np.int32)])
                counts = np.concatenate([counts, np.array([c for _, c in added[term]], dtype=np.float64)])
            if len(slots):
                new.postings[term] = (slots, counts)
            else:
                new.postings.pop(term, None)
        return new

    def _allocate(self, article_id: int) -> int:
        if self._free:
            slot = self._free.pop()
        else:
            slot = len(self._terms)
            self._terms.append(None)
            if slot >= len(self._ids):  # grow by half (amortised: one copy per many additions)
                size = max(16, slot + slot // 2)
                self._ids = np.concatenate([self._ids, np.zeros(size - len(self._ids), np.int64)])
                self._lengths = np.concatenate([self._lengths, np.zeros(size - len(self._lengths), np.float64)])
        self._slot[article_id] = slot
        self._ids[slot] = article_id
        return slot

    def search(self, query: str, *, limit: int = 10, allowed: set[int] | None = None,
               where: Callable[[int], bool] | None = None) -> list[Hit]:
        """The best-matching articles for query, best first (ties: lower id first); only ids in
        allowed and for which where(id) holds, when given."""
        n = len(self._slot)
        if not n:
            return []
        average = self.average_length or 1
        scores = np.zeros(len(self._ids), dtype=np.float64)
        for term in set(tokens(query)):
            posting = self.postings.get(term)
            if posting is None:
                continue
            slots, tf = posting
            df = len(slots)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = K1 * (1 - B + B * self._lengths[slots] / average)
            scores[slots] += idf * tf * (K1 + 1) / (tf + norm)
        candidates = np.flatnonzero(scores)
        if not len(candidates):
            return []

        def accept(article_id: int) -> bool:
            return (allowed is None or article_id in allowed) and (where is None or where(article_id))

        wanted = limit
        while True:  # rank the best few first; more only when the filter turned too many away
            if wanted < len(candidates):
                cut = np.partition(scores[candidates], len(candidates) - wanted)[len(candidates) - wanted]
                top = candidates[scores[candidates] >= cut]
            else:
                top = candidates
            ids, top_scores = self._ids[top], scores[top]
            hits = []
            for position in np.lexsort((ids, -top_scores)):
                article_id = int(ids[position])
                if accept(article_id):
                    hits.append(Hit(id=article_id, score=round(float(top_scores[position]), 4)))
                    if len(hits) == limit:
                        return hits
            if len(top) == len(candidates):
                return hits
            wanted *= 4
