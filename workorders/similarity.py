"""Duplicate detection (并单, R-07), pure: jieba word segmentation + TF-IDF cosine similarity.

The corpus is the small set of recent tickets of the same area (a few hundred at most),
so the vectors are built per query; IDF is smoothed (log((1+N)/(1+df)) + 1) as in common
TF-IDF implementations, so a word present in every document still weighs something.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.chinese_text import WORD_CHAR, cached_tokens, tokens  # noqa: F401  (tokens re-exported for the workflow)


@dataclass(frozen=True)
class Candidate:
    key: int
    content: str
    address: str = ""


@dataclass(frozen=True)
class Match:
    key: int
    score: float
    content_score: float
    address_score: float


def tfidf_vectors(documents: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    """L2-normalised TF-IDF vectors (sublinear tf) of tokenised documents."""
    count = len(documents)
    df: Counter[str] = Counter()
    for doc in documents:
        df.update(set(doc))
    vectors = []
    for doc in documents:
        weights = {word: (1 + math.log(tf)) * (math.log((1 + count) / (1 + df[word])) + 1)
                   for word, tf in Counter(doc).items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        vectors.append({word: w / norm for word, w in weights.items()} if norm else {})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two normalised sparse vectors."""
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b.get(word, 0.0) for word, weight in a.items())


def char_bigrams(text: str) -> list[str]:
    """Character bigrams (addresses are short and badly segmented by word)."""
    clean = "".join(ch for ch in (text or "").lower() if WORD_CHAR.match(ch))
    return [clean[i:i + 2] for i in range(len(clean) - 1)] or ([clean] if clean else [])


def rank_duplicates(
    content: str, address: str, candidates: Sequence[Candidate], *, threshold: float = 0.25,
    address_weight: float = 0.3, limit: int = 10,
) -> list[Match]:
    """Candidates most similar to (content, address), best first; only those over threshold."""
    if not candidates:
        return []
    content_vectors = tfidf_vectors([list(cached_tokens(content))] + [list(cached_tokens(c.content)) for c in candidates])
    address_vectors = tfidf_vectors([char_bigrams(address)] + [char_bigrams(c.address) for c in candidates])
    weight = address_weight if address else 0.0
    matches = []
    for index, candidate in enumerate(candidates, start=1):
        content_score = cosine(content_vectors[0], content_vectors[index])
        address_score = cosine(address_vectors[0], address_vectors[index]) if address else 0.0
        score = (1 - weight) * content_score + weight * address_score
        if score >= threshold:
            matches.append(Match(candidate.key, round(score, 4), round(content_score, 4), round(address_score, 4)))
    return sorted(matches, key=lambda m: (-m.score, m.key))[:limit]
