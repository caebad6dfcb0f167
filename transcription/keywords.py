"""Keyword spotting in transcripts (pure): abuse, threats and "投诉" flag a call for inspection.

Chinese models write words separated by spaces ("我 要 投诉"), so text is compared with its
spaces removed; Latin-script keywords are matched as whole words, case-insensitively."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# category -> keywords. Kept short and unambiguous: a flag only asks a supervisor to listen.
KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "abuse": ("他妈的", "你妈的", "傻逼", "混蛋", "王八蛋", "滚蛋", "去死", "废物", "神经病", "狗东西"),
    "threat": ("杀了你", "弄死你", "砍死", "炸了", "同归于尽", "报复", "跳楼", "自杀", "放火", "你等着"),
    "complaint": ("投诉", "举报你", "曝光", "不满意", "12345投诉"),
}
CATEGORY_LABELS = {"abuse": "辱骂", "threat": "威胁", "complaint": "投诉"}


def with_extra(spec: str, base: Mapping[str, Iterable[str]] = KEYWORDS) -> dict[str, tuple[str, ...]]:
    """KEYWORDS plus HOTLINE_ASR_KEYWORDS ("abuse=词一|词二;threat=词三": local words, new categories)."""
    merged = {category: tuple(words) for category, words in base.items()}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        category, sep, words = part.partition("=")
        if not sep or not category.strip():
            raise ValueError(f"HOTLINE_ASR_KEYWORDS: {part!r} is not category=word|word")
        extra = tuple(w.strip() for w in words.split("|") if w.strip())
        merged[category.strip()] = merged.get(category.strip(), ()) + extra
    return merged


@dataclass(frozen=True)
class Hit:
    category: str
    keyword: str
    party: str
    start: float

    def as_flag(self) -> dict:
        return {"category": self.category, "keyword": self.keyword, "party": self.party, "start": self.start}


def _compact(text: str) -> str:
    """Spaces between CJK characters removed (the model's word boundaries), lower case."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text).lower()


def _matches(text: str, keyword: str) -> bool:
    keyword = keyword.lower()
    if keyword.isascii():
        return re.search(rf"\b{re.escape(keyword)}\b", text) is not None
    return keyword in text


def spot(segments: Iterable[tuple[str, float, str]],
         keywords: Mapping[str, Iterable[str]] = KEYWORDS) -> list[Hit]:
    """Hits in (party, start, text) segments: one per category, keyword and party, the earliest."""
    hits: dict[tuple[str, str, str], Hit] = {}
    for party, start, text in segments:
        compact = _compact(text)
        for category, words in keywords.items():
            for keyword in words:
                key = (category, keyword, party)
                if key not in hits and _matches(compact, _compact(keyword)):
                    hits[key] = Hit(category, keyword, party, start)
    return sorted(hits.values(), key=lambda h: (h.start, h.category, h.keyword))
