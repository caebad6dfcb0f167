"""Grouping requests by what they are about, pure: jieba segmentation (parts of speech) and the TF-IDF
cosine similarity of the duplicate finder (workorders.similarity).

Each ticket is reduced to its content words (nouns, verbs, verbal nouns: place and person names,
numbers and time words dropped — a water cut in two districts is one matter). A ticket's topic is
its anchor: of its words, the one the most other requests (this batch and the recent ones) share
(e.g. `停水`). A ticket sharing no word with any other joins the known topic whose centroid is most
similar to it (TF-IDF cosine, the duplicate finder's) when the cosine reaches the threshold, else it
starts a topic of its own labelled by its leading keywords. Known topics are the recent ones (their centroids come from the
keywords stored with their tickets), so a topic keeps its label across days and the counts per
topic are plain SQL aggregates.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import jieba.posseg

from core.chinese_text import STOPWORDS
from workorders.similarity import cosine

jieba.setLogLevel(logging.WARNING)

# parts of speech that name the matter: nouns, verbs, verbal/adjectival nouns, idioms and set phrases
CONTENT_FLAGS = ("n", "v", "vn", "an", "nz", "l", "i", "j")
# names of places, people, organisations; numbers, time words: where and when, not what
DROPPED_FLAGS = ("nr", "ns", "nt", "nrt", "nrfg", "m", "t", "q", "mq")
# words common to requests of every kind
GENERIC = frozenset(["小区", "开始", "至今", "附近", "街", "路", "区", "县", "市", "街道", "社区", "居民", "群众", "业主",
                     "发现", "存在", "出现", "影响", "没人", "无人", "一天", "联系", "反应", "了解", "咨询", "投诉",
                     "举报", "建议", "求助", "知道", "需要", "办理", "告知", "回复", "答复", "工作人员", "有关",
                     "未", "已", "某", "家", "里", "处", "地方", "事情", "时候"])
LABEL_WORDS = 2  # a topic without an anchor is labelled by this many leading keywords
ANCHOR_MIN_DF = 2  # a word shared by at least this many requests (of the batch and the recent ones) anchors a topic
KEYWORDS_KEPT = 6  # keywords stored with each ticket (the centroids of later groupings)
MAX_LABEL = 64


@lru_cache(maxsize=16384)
def content_words(text: str) -> tuple[str, ...]:
    """The words of a request that say what it is about, in order."""
    words = []
    for pair in jieba.posseg.cut(text or ""):
        word, flag = pair.word.strip().lower(), pair.flag
        if len(word) < 2 or word in STOPWORDS or word in GENERIC:
            continue
        if flag.startswith(DROPPED_FLAGS) or not flag.startswith(CONTENT_FLAGS):
            continue
        if any(ch.isdigit() for ch in word):
            continue
        words.append(word)
    return tuple(words)


@dataclass
class Vocabulary:
    """Document frequencies of a reference corpus (recent tickets' keywords plus the batch)."""

    df: Counter[str] = field(default_factory=Counter)
    documents: int = 0

    def add(self, words: Iterable[str]) -> None:
        self.df.update(set(words))
        self.documents += 1

    def idf(self, word: str) -> float:
        # damped (square root): a matter word many requests share must still join them together
        return math.sqrt(math.log((1 + self.documents) / (1 + self.df[word])) + 1)

    def vector(self, words: Sequence[str] | Mapping[str, float]) -> dict[str, float]:
        """L2-normalised TF-IDF (sublinear tf) of a document or a centroid's counts."""
        counts = words if isinstance(words, Mapping) else Counter(words)
        weights = {w: (1 + math.log(tf)) * self.idf(w) for w, tf in counts.items() if tf > 0}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        return {w: v / norm for w, v in weights.items()} if norm else {}


def leading(vector: Mapping[str, float], words: Sequence[str], count: int) -> list[str]:
    """The count heaviest words (ties: first in the text)."""
    order = {w: i for i, w in reversed(list(enumerate(words)))}
    return sorted(vector, key=lambda w: (-vector[w], order.get(w, len(order)), w))[:count]


@dataclass(frozen=True)
class Assignment:
    topic: str
    keywords: tuple[str, ...]


@dataclass
class Grouper:
    """Assigns documents to topics one after the other; `known` are the recent topics' keyword counts."""

    threshold: float
    vocabulary: Vocabulary
    known: dict[str, Counter[str]] = field(default_factory=dict)
    places: frozenset[str] = frozenset()  # names of regions (双流, 武侯区 …): where, not what
    _vectors: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute the known topics' vectors (after the vocabulary grew)."""
        self._vectors = {label: self.vocabulary.vector(counts) for label, counts in self.known.items()}

    def words(self, text: str) -> tuple[str, ...]:
        return tuple(w for w in content_words(text) if w not in self.places)

    def assign(self, text: str) -> Assignment:
        words = self.words(text)
        vector = self.vocabulary.vector(words)
        if not vector:
            return Assignment("其他", ())
        keywords = leading(vector, words, KEYWORDS_KEPT)
        # the anchor: of the ticket's words, the one most other requests share (a matter recurring)
        df = self.vocabulary.df
        anchors = [w for w in dict.fromkeys(words) if df[w] >= ANCHOR_MIN_DF]
        if anchors:
            topic = max(anchors, key=lambda w: (df[w], -words.index(w)))
        else:  # a matter of its own: the most similar known topic, else a new one named by its leading words
            best, score = None, 0.0
            for label, centroid in self._vectors.items():
                similarity = cosine(vector, centroid)
                if similarity > score or (similarity == score and best is not None and label < best):
                    best, score = label, similarity
            topic = best if best is not None and score >= self.threshold else "·".join(keywords[:LABEL_WORDS])[:MAX_LABEL]
        if topic in words:
            keywords = [topic, *(w for w in keywords if w != topic)][:KEYWORDS_KEPT]
        counts = self.known.setdefault(topic, Counter())
        counts.update(keywords)
        self._vectors[topic] = self.vocabulary.vector(counts)
        return Assignment(topic, tuple(keywords))


def group(texts: Sequence[str], *, threshold: float, recent: Mapping[str, Iterable[Sequence[str]]] | None = None,
          places: Iterable[str] = ()) -> list[Assignment]:
    """Assign each text a topic; recent: topic → the keyword lists of its recent tickets."""
    vocabulary = Vocabulary()
    known: dict[str, Counter[str]] = {}
    for label, keyword_lists in (recent or {}).items():
        counts = known.setdefault(label, Counter())
        for keywords in keyword_lists:
            vocabulary.add(keywords)
            counts.update(keywords)
    grouper = Grouper(threshold=threshold, vocabulary=vocabulary, known=known, places=frozenset(places))
    for text in texts:
        vocabulary.add(grouper.words(text))
    grouper.refresh()
    return [grouper.assign(text) for text in texts]


def is_anchored(topic: str) -> bool:
    """A topic named by one shared word (an anchor), not by a lone ticket's leading words."""
    return "·" not in topic


def regroup(lone: Mapping[int, tuple[str, Sequence[str]]], anchors: Mapping[str, int]) -> dict[int, str]:
    """Tickets that started a topic of their own (no word shared yet) and hold a word that has since
    become an anchor: ticket → that anchor (the most shared one). lone: ticket → (topic, keywords);
    anchors: anchor word → how many requests share it."""
    moves = {}
    for ticket, (topic, keywords) in lone.items():
        if is_anchored(topic):
            continue
        held = [w for w in keywords if w in anchors]
        if held:
            moves[ticket] = max(held, key=lambda w: (anchors[w], -list(keywords).index(w)))
    return moves


PLACE_SUFFIXES = ("自治州", "自治县", "街道", "市", "区", "县", "州", "镇", "乡")


def place_names(names: Iterable[str]) -> frozenset[str]:
    """Region names and their short forms (双流区 → 双流), lower-cased."""
    result = set()
    for name in names:
        name = (name or "").strip().lower()
        if not name:
            continue
        result.add(name)
        for suffix in PLACE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                result.add(name[: -len(suffix)])
                break
    return frozenset(result)


def describe(keyword_lists: Iterable[Sequence[str]], *, fallback: str) -> tuple[str, list[str]]:
    """A topic's label and keywords as its tickets show them. An anchored topic (fallback: its key) is
    labelled by its anchor; another by the words most of its tickets share (the leading word, with
    the second when nearly as common); without keywords, by its key."""
    counts: Counter[str] = Counter()
    for keywords in keyword_lists:
        counts.update(set(keywords))
    if not counts:
        return fallback, []
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    if is_anchored(fallback) and fallback in counts:
        return fallback[:MAX_LABEL], [fallback, *(w for w in ranked if w != fallback)][:KEYWORDS_KEPT]
    first = ranked[0]
    label = first
    if len(ranked) > 1 and counts[ranked[1]] >= 0.8 * counts[first]:
        label = f"{first}·{ranked[1]}"
    return label[:MAX_LABEL], ranked[:KEYWORDS_KEPT]
