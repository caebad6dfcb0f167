"""BM25 search over Chinese text, pure: ranking as plain BM25, changes equal to a fresh build."""
from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

from core.chinese_text import tokens
from knowledge.search_index import K1, B, IndexedArticle, SearchIndex, article_terms

ARTICLES = [
    IndexedArticle(1, "社会保障卡补换办理指南", "社保卡遗失可到社保经办机构补办。", ("社保卡", "补卡")),
    IndexedArticle(2, "计划停水应答口径", "停水期间设置临时供水点，告知停水起止时间。", ("停水",)),
    IndexedArticle(3, "物业服务纠纷受理范围", "物业费和服务质量问题由住建部门处理。", ("物业",)),
    IndexedArticle(4, "二次供水设施管理", "小区二次供水水箱清洗由物业负责，停水超过24小时可投诉。", ()),
]


def test_title_counts_more_and_more_matched_words_win():
    index = SearchIndex(ARTICLES)
    hits = index.search("停水")
    assert [h.id for h in hits] == [2, 4]  # "停水" in the title and keywords beats the body
    assert hits[0].score > hits[1].score > 0
    # an entry matching both words beats one matching a single word many times (BM25 saturation)
    assert [h.id for h in index.search("小区停水了怎么办")][:2] == [4, 2]


def test_allowed_restricts_results_and_unknown_words_find_nothing():
    index = SearchIndex(ARTICLES)
    assert [h.id for h in index.search("停水", allowed={4})] == [4]
    assert index.search("量子计算机") == []
    assert SearchIndex(()).search("停水") == []


def test_limit_and_stable_order():
    index = SearchIndex(ARTICLES)
    assert len(index.search("物业 停水 社保卡", limit=2)) == 2
    assert index.search("物业") == index.search("物业")


def _reference(articles, query: str, limit: int = 10) -> list[tuple[int, float]]:
    """BM25 the way the index computed it before it kept numpy postings (a dict per query)."""
    terms = {a.id: article_terms(a.title, a.body, a.keywords) for a in articles}
    lengths = {i: sum(t.values()) for i, t in terms.items()}
    average = sum(lengths.values()) / len(lengths)
    scores: Counter[int] = Counter()
    for term in set(tokens(query)):
        having = [i for i in terms if term in terms[i]]
        idf = math.log(1 + (len(terms) - len(having) + 0.5) / (len(having) + 0.5))
        for i in having:
            tf = terms[i][term]
            scores[i] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / average))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(i, round(s, 4)) for i, s in ranked]


def _corpus(size: int, seed: int) -> list[IndexedArticle]:
    text = Path(__file__).parents[1].joinpath("core", "regulation-sample.zh.txt").read_text(encoding="utf-8")
    generator = random.Random(seed)

    def piece(length: int) -> str:
        at = generator.randrange(len(text) - length)
        return text[at:at + length]

    return [IndexedArticle(i, piece(12), piece(generator.randint(40, 300)), (piece(4),)) for i in range(1, size + 1)]


QUERIES = ("热线工单办理", "承办单位 回访", "市民诉求 转办 时限", "政务服务便民热线", "满意度")


def test_same_ranking_as_the_plain_bm25():
    articles = _corpus(300, seed=1)
    index = SearchIndex(articles)
    for query in QUERIES:
        assert [(h.id, h.score) for h in index.search(query, limit=20)] == _reference(articles, query, 20), query


def test_changing_one_article_equals_building_anew():
    articles = _corpus(200, seed=2)
    index = SearchIndex(articles)
    replacement = _corpus(3, seed=3)
    changed = [IndexedArticle(7, replacement[0].title, replacement[0].body),   # a new version
               IndexedArticle(500, replacement[1].title, replacement[1].body)]  # newly published
    after = [a for a in articles if a.id not in (7, 9)] + changed  # 9 retired
    new = index.with_changes({7: article_terms(changed[0].title, changed[0].body), 9: None,
                              500: article_terms(changed[1].title, changed[1].body)})
    rebuilt = SearchIndex(after)
    assert len(new) == len(rebuilt) == 200 and 9 not in new and 500 in new
    for query in (*QUERIES, replacement[0].title, replacement[1].title):
        assert new.search(query, limit=30) == rebuilt.search(query, limit=30), query
    assert index.search(QUERIES[0], limit=30) == SearchIndex(articles).search(QUERIES[0], limit=30)  # old untouched
    # the freed slot is used again, and a later change still agrees with a fresh build
    newer = new.with_changes({9: article_terms(articles[8].title, articles[8].body, articles[8].keywords)})
    assert newer.search(articles[8].title) == SearchIndex([*after, articles[8]]).search(articles[8].title)


def test_a_filter_that_turns_most_away_still_fills_the_page():
    articles = _corpus(300, seed=4)
    index = SearchIndex(articles)
    everything = index.search("热线", limit=300)
    odd = [h for h in everything if h.id % 7 == 0][:10]
    assert index.search("热线", limit=10, where=lambda i: i % 7 == 0) == odd
