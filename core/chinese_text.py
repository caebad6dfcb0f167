"""Chinese text to search terms: one word segmentation shared by duplicate detection, knowledge
search and the hot-topic statistics.

`segment` gives exactly jieba's search-mode segmentation (`jieba.cut_for_search`, HMM on), most
of it computed by rjieba (jieba-rs, the same dictionary, about 15× faster). The two differ only
inside a run of letters and digits joined by `. _ % - + # &` ("e-mail", "www.gov.cn": jieba splits
at the mark, jieba-rs also keeps the whole); such runs, and only those, go to jieba itself, so the
output is jieba's, token for token (tests/core/test_chinese_text.py checks it on the regulation
text, the knowledge entries and a fuzzed mix). Words added to one dictionary would break that:
add words to neither, or to both here.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import rjieba

jieba.setLogLevel(logging.WARNING)

# bump when tokens() changes: stored search terms of an older version are computed again
TOKENS_VERSION = 1
# function words and hotline boilerplate that say nothing about the matter
STOPWORDS = frozenset(
    ["的", "了", "是", "在", "我", "我们", "你", "他", "她", "它", "和", "与", "及", "或", "也", "都", "就", "还", "又", "很", "太", "把", "被", "给", "让", "向", "对", "从", "到", "于", "为", "以", "这", "那", "这个", "那个", "这里", "那里", "有", "没有", "没", "不", "吗", "呢", "吧", "啊", "呀", "哦", "嗯", "一个", "一下", "一直", "已经", "现在", "今天", "昨天", "市民", "来电", "反映", "诉求", "希望", "要求", "请求", "请", "帮助", "帮忙", "处理", "解决", "相关", "部门", "问题", "情况", "表示", "称", "说", "目前", "导致", "造成", "进行", "因为", "所以", "但是", "而且", "如果", "可以", "能", "能否", "是否", "怎么", "怎样", "什么", "为什么", "多少", "几", "个", "号", "栋", "单元", "附近", "位置", "地址", "时间", "左右", "多次", "一次", "经常"]
)
WORD_CHAR = re.compile(r"[\w\u4e00-\u9fff]")
# jieba's own block pattern (jieba.re_han_default): the runs it segments; the rest it passes through
JIEBA_BLOCK = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
# the marks inside a block where jieba-rs and jieba part ways
JOINING_MARK = re.compile(r"[._%\-+#&]")


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def segment(text: str) -> list[str]:
    """jieba.cut_for_search(text) (search mode, HMM), token for token, mostly computed by rjieba."""
    text = text or ""
    try:
        if not JOINING_MARK.search(text):
            return rjieba.cut_for_search(text)
        words: list[str] = []
        for block in JIEBA_BLOCK.split(text):
            if not block:
                continue
            if JOINING_MARK.search(block):  # jieba splits at the mark; jieba-rs would keep the run too
                words.extend(jieba.cut_for_search(block))
            else:  # a block, or the text between blocks: the same either way
                words.extend(rjieba.cut_for_search(block))
        return words
    except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800"): jieba-rs takes UTF-8 only
        return list(jieba.cut_for_search(text))


@lru_cache(maxsize=65536)
def _term(word: str) -> str | None:
    """The search term a segmented word stands for, or None (stopword, punctuation, lone letter)."""
    word = word.strip().lower()
    if not word or word in STOPWORDS or not WORD_CHAR.search(word):
        return None
    if len(word) == 1 and not word.isdigit() and not _is_cjk(word):
        return None
    return word


def tokens(text: str) -> list[str]:
    """Words of a text: search-mode segmentation, lower-cased, stopwords and punctuation dropped."""
    return [term for term in map(_term, segment(text)) if term is not None]


@lru_cache(maxsize=8192)
def cached_tokens(text: str) -> tuple[str, ...]:
    """tokens() memoised (the same texts are compared again and again)."""
    return tuple(tokens(text))
