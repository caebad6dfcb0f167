"""BM25 search over Chinese text (jieba), pure."""
from __future__ import annotations

from knowledge.search_index import IndexedArticle, SearchIndex

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
