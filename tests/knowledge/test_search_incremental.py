"""The search index follows publications one entry at a time, in every app instance (process),
from the terms stored when the entry was published."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from api.app import create_app
from knowledge import search_cache
from knowledge.search_index import article_terms
from models import KnowledgeArticle, KnowledgeRevision, OrgUnit
from tests.conftest import login

ARTICLES = "/api/v1/knowledge/articles"
DRAFT = {"category": "guide", "title": "新能源汽车充电桩安装指南",
         "body": "业主在自有车位安装充电桩，向物业出具同意书后，向供电公司申请报装，供电公司现场勘查后安装。",
         "keywords": ["充电桩", "报装"], "public": True}


async def _search(http, headers, q: str) -> list[dict]:
    response = await http.get("/api/v1/knowledge/search", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_publication_reindexes_only_that_entry_in_another_instance(client, session, resources, monkeypatch):
    other_app = create_app(resources=resources)  # a second API process: its own index, same database and Redis
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_app), base_url="http://other") as other:
        agent = await login(other, "agent1001")
        assert await _search(other, agent, "充电桩") == []
        cache = other_app.state.knowledge_search
        assert cache.full_builds == 1 and len(cache.entries) >= 5  # the demo entries

        leader, supervisor = await login(client, "wh_zjj_lead"), await login(client, "supervisor")
        unit_id = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == "WH-ZJJ"))
        aid = (await client.post(ARTICLES, headers=leader, json={**DRAFT, "owner_unit_id": unit_id})).json()["id"]
        await client.post(f"{ARTICLES}/{aid}/submit", headers=leader)
        assert await _search(other, agent, "充电桩") == []  # submitted is not published
        assert cache.reindexed_total == 0

        assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)).status_code == 200
        revision = await session.scalar(select(KnowledgeRevision).where(KnowledgeRevision.article_id == aid))
        assert revision.search_terms == article_terms(DRAFT["title"], DRAFT["body"], DRAFT["keywords"])

        def no_tokenising(*args, **kwargs):
            raise AssertionError("the index must use the stored terms")

        monkeypatch.setattr(search_cache, "article_terms", no_tokenising)
        hits = await _search(other, agent, "充电桩怎么报装")
        assert hits[0]["id"] == aid and hits[0]["title"] == DRAFT["title"]
        assert cache.full_builds == 1 and cache.reindexed == [aid]  # only the published entry

        assert (await client.post(f"{ARTICLES}/{aid}/retire", headers=supervisor)).status_code == 200
        assert await _search(other, agent, "充电桩") == []
        assert cache.full_builds == 1 and cache.reindexed == [aid] and cache.reindexed_total == 2
        # the instance that served the writes follows the same way
        assert await _search(client, agent, "充电桩") == []


async def test_a_new_version_replaces_the_old_text_and_the_others_keep_their_order(client, session, resources):
    other_app = create_app(resources=resources)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_app), base_url="http://other") as other:
        agent, admin, supervisor = (await login(other, "agent1001"), await login(client, "admin"),
                                    await login(client, "supervisor"))
        before = await _search(other, agent, "医保")
        aid = (await _search(other, agent, "停水"))[0]["id"]
        await client.put(f"{ARTICLES}/{aid}", headers=admin,
                         json={"title": "计划停水应答口径（第二版）", "body": "停水超过24小时的，告知送水服务电话。", "keywords": ["停水"]})
        await client.post(f"{ARTICLES}/{aid}/submit", headers=admin)
        assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)).status_code == 200
        assert (await _search(other, agent, "送水服务"))[0]["id"] == aid
        assert aid not in [h["id"] for h in await _search(other, agent, "临时供水点")]  # the old text is gone
        # the others keep their order (scores move a little: BM25 weighs by the average length)
        assert [h["id"] for h in await _search(other, agent, "医保")] == [h["id"] for h in before]
        assert other_app.state.knowledge_search.reindexed == [aid]


async def test_a_lost_bump_is_caught_up_after_the_stale_interval(client, session, resources, redis, monkeypatch):
    other_app = create_app(resources=resources)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_app), base_url="http://other") as other:
        agent, supervisor = await login(other, "agent1001"), await login(client, "supervisor")
        aid = (await _search(other, agent, "物业费"))[0]["id"]
        assert (await client.post(f"{ARTICLES}/{aid}/retire", headers=supervisor)).status_code == 200
        await redis.delete(search_cache.VERSION_KEY)  # as if the bump never reached Redis
        cache = other_app.state.knowledge_search
        cache.version = "0"
        assert (await _search(other, agent, "物业费"))[0]["id"] == aid  # within the interval: not yet seen
        cache.checked -= search_cache.STALE_SECONDS
        assert aid not in [h["id"] for h in await _search(other, agent, "物业费")]
        retired = await session.get(KnowledgeArticle, aid)
        assert cache.seq == retired.search_seq
