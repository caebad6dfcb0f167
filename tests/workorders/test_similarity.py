"""Duplicate detection (R-07), pure: jieba segmentation and TF-IDF cosine."""
from __future__ import annotations

import math

from workorders.similarity import Candidate, char_bigrams, cosine, rank_duplicates, tfidf_vectors, tokens


def test_tokens_drop_stopwords_and_punctuation():
    words = tokens("市民来电反映：玉林小区停水了，希望尽快处理！")
    assert "停水" in words and "玉林" in words
    assert not {"市民", "来电", "反映", "希望", "处理", "了", "，", "！"} & set(words)


def test_tfidf_vectors_are_normalised_and_cosine_is_bounded():
    vectors = tfidf_vectors([["停水", "小区"], ["停水", "小区"], ["噪音", "工地"]])
    for vector in vectors:
        assert math.isclose(sum(w * w for w in vector.values()), 1.0)
    assert math.isclose(cosine(vectors[0], vectors[1]), 1.0)
    assert cosine(vectors[0], vectors[2]) == 0.0
    assert tfidf_vectors([[]]) == [{}]


def test_rank_finds_the_same_matter_in_other_words():
    candidates = [
        Candidate(1, "玉林小区从昨天开始停水，至今没有恢复供水", "武侯区玉林小区"),
        Candidate(2, "望江路工地夜间施工噪音扰民", "武侯区望江路"),
        Candidate(3, "玉林小区电梯故障", "武侯区玉林小区"),
        Candidate(4, "春熙路商家虚假宣传", "锦江区春熙路"),
    ]
    matches = rank_duplicates("玉林小区停水两天了还没来水", "武侯区玉林小区", candidates)
    assert matches[0].key == 1
    assert 2 not in [m.key for m in matches] and 4 not in [m.key for m in matches]
    assert all(0 <= m.score <= 1.0001 for m in matches)


def test_rank_is_deterministic_and_handles_empty_input():
    candidates = [Candidate(5, "停水"), Candidate(3, "停水")]
    first = rank_duplicates("停水", "", candidates, threshold=0.0)
    assert [m.key for m in first] == [3, 5]  # ties by key
    assert rank_duplicates("停水", "", []) == []
    assert rank_duplicates("", "", [Candidate(1, "")], threshold=0.1) == []


def test_char_bigrams():
    assert char_bigrams("玉林 小区") == ["玉林", "林小", "小区"]
    assert char_bigrams("") == []
