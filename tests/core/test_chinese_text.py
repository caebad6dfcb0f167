"""core.chinese_text.segment gives jieba's search-mode segmentation token for token (rjieba
underneath): on the regulation text, the knowledge entries and a seeded mix of both with the
Latin, digit and punctuation runs where jieba-rs alone differs."""
from __future__ import annotations

import random
from pathlib import Path

import jieba
import rjieba

from core import chinese_text
from core.chinese_text import segment, tokens
from knowledge.demo import DEMO_ENTRIES
from tests.knowledge.test_search_index import ARTICLES

# a copy of shared/regulation/sichuan-12345-measures-draft.zh.txt (the draft measures, 6 900 characters)
REGULATION = Path(__file__).with_name("regulation-sample.zh.txt")
# runs jieba and jieba-rs segment differently, and their neighbours
MIXED = ["abc", "X1", "2026", "3.14", "100%", "e-mail", "a_b", "C++", "C#", "A&B", " ", "\n", "\r\n", "\t", "，",
         "😀", "ｆｕｌｌ", "①", "é", "한국", "の", "-", "_", ".", "%", "www.gov.cn", "12345", "Wi-Fi", "110kV", "5G",
         "COVID-19", "PM2.5", "&&", "--", "a.b.c", "1-2", "１．５", "Ⅳ", "http://x.cn/a?b=1"]


def _regulation() -> str:
    return REGULATION.read_text(encoding="utf-8")


def _jieba(text: str) -> list[str]:
    return list(jieba.cut_for_search(text))


def test_identical_on_the_regulation_text_whole_and_line_by_line():
    text = _regulation()
    assert segment(text) == _jieba(text)
    assert len(segment(text)) > 3000
    for line in text.splitlines():
        assert segment(line) == _jieba(line), line


def test_identical_on_the_knowledge_entries(monkeypatch):
    texts = []
    for _unit, _category, _region, _public, title, body, keywords, source in DEMO_ENTRIES:
        texts += [title, body, *keywords, source or ""]
    for article in ARTICLES:
        texts += [article.title, article.body, *article.keywords]
    ours = [tokens(text) for text in texts]
    for text in texts:
        assert segment(text) == _jieba(text), text
    monkeypatch.setattr(chinese_text, "segment", _jieba)  # the search terms as jieba alone made them
    assert ours == [tokens(text) for text in texts]


def test_identical_on_a_seeded_mix_where_jieba_rs_alone_differs():
    text = _regulation()
    generator = random.Random(16)
    differs_alone = 0
    for _ in range(3000):
        parts = []
        for _ in range(generator.randint(1, 6)):
            at = generator.randrange(len(text))
            parts.append(text[at:at + generator.randint(0, 30)])
            if generator.random() < 0.6:
                parts.append(generator.choice(MIXED))
        sample = "".join(parts)
        expected = _jieba(sample)
        assert segment(sample) == expected, sample
        differs_alone += rjieba.cut_for_search(sample) != expected
    # why segment does not hand everything to rjieba: it alone keeps "e-mail" whole besides its parts
    assert differs_alone > 0
    assert rjieba.cut_for_search("e-mail") != _jieba("e-mail") == segment("e-mail")


def test_text_jieba_rs_cannot_take_is_segmented_by_jieba():
    for text in ("\ud800", "电梯\udfff故障", "\x00", "\u200b零宽"):
        assert segment(text) == _jieba(text)


def test_tokens_drop_stopwords_and_punctuation():
    assert tokens("市民反映：小区电梯故障！") == ["小区", "电梯", "故障"]
    assert tokens("") == [] and segment("") == []
