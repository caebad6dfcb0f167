"""Duplicate detection (并单, R-07), pure: jieba word segmentation + TF-IDF cosine similarity.

The corpus is the small set of recent tickets of the same area (a few hundred at most),
so the vectors are built per query; IDF is smoothed (log((1+N)/(1+df)) + 1) as in common
TF-IDF implementations, so a word present in every document still weighs something.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# function words and hotline boilerplate that say nothing about the matter
STOPWORDS = frozenset(
    ["的", "了", "是", "在", "我", "我们", "你", "他", "她", "它", "和", "与", "及", "或", "也", "都", "就", "还", "又", "很", "太", "把", "被", "给", "让", "向", "对", "从", "到", "于", "为", "以", "这", "那", "这个", "那个", "这里", "那里", "有", "没有", "没", "不", "吗", "呢", "吧", "啊", "呀", "哦", "嗯", "一个", "一下", "一直", "已经", "现在", "今天", "昨天", "市民", "来电", "反映", "诉求", "希望", "要求", "请求", "请", "帮助", "帮忙", "处理", "解决", "相关", "部门", "问题", "情况", "表示", "称", "说", "目前", "导致", "造成", "进行", "因为", "所以", "但是", "而且", "如果", "可以", "能", "能否", "是否", "怎么", "怎样", "什么", "为什么", "多少", "几", "个", "号", "栋", "单元", "附近", "位置", "地址", "时间", "左右", "多次", "一次", "经常"]
)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def tokens(text: str) -> list[str]:
    """Words of a text: jieba search-mode segmentation, lower-cased, stopwords and punctuation dropped."""
    words = []
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if len(word) < 1 or word in STOPWORDS or not _KEEP.search(word):
            continue
        if len(word) == 1 and not word.isdigit() and not _is_cjk(word):
            continue
        words.append(word)
    return words


@lru_cache(maxsize=4096)
def cached_tokens(text: str) -> tuple[str, ...]:
    """tokens() memoised (recent tickets are compared again and again)."""
    return tuple(tokens(text))


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


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
    clean = "".join(ch for ch in (text or "").lower() if _KEEP.match(ch))
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
