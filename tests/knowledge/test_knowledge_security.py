"""Knowledge base confidentiality and integrity (R-29, R-30): drafts only to their authors, the
four-eyes rule over every author of an entry, paginated error reports, and the search index
bumped only after the change is committed."""
from __future__ import annotations

from sqlalchemy import select

from knowledge import endpoints as knowledge_endpoints
from knowledge.service import VERSION_KEY
from models import OrgUnit
from tests.conftest import login

DRAFT = {"category": "guide", "title": "武侯区共有产权房申请指南（征求意见稿）",
         "body": "共有产权房申请条件、材料与办理流程（内部草稿，尚未审核）。", "keywords": ["共有产权房"]}
ARTICLES = "/api/v1/knowledge/articles"


async def _unit_id(session, code: str) -> int:
    return await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


async def _ids(client, headers, **params) -> list[int]:
    response = await client.get(ARTICLES, headers=headers, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()]


async def test_a_draft_is_seen_only_by_its_authors(client, session):
    leader = await login(client, "wh_zjj_lead")
    draft = await client.post(ARTICLES, headers=leader, json={**DRAFT, "owner_unit_id": await _unit_id(session, "WH-ZJJ")})
    aid = draft.json()["id"]
    supervisor, admin, agent = [await login(client, name) for name in ("supervisor", "admin", "agent1001")]
    assert aid in await _ids(client, leader)
    for reader in (supervisor, admin, agent):  # reviewers included: nothing was submitted yet
        assert aid not in await _ids(client, reader)
        assert aid not in await _ids(client, reader, status="draft")
        assert (await client.get(f"{ARTICLES}/{aid}", headers=reader)).status_code == 404
        hits = await client.get("/api/v1/knowledge/search", headers=reader, params={"q": "共有产权房"})
        assert aid not in [h["id"] for h in hits.json()]
    await client.post(f"{ARTICLES}/{aid}/submit", headers=leader)
    # submitted: the reviewers see it, in the review queue too; other staff still do not
    assert aid in await _ids(client, supervisor, review="true")
    assert (await client.get(f"{ARTICLES}/{aid}", headers=supervisor)).json()["pending"]["state"] == "in_review"
    assert aid not in await _ids(client, agent)
    assert (await client.get(f"{ARTICLES}/{aid}", headers=agent)).status_code == 404


async def test_the_next_draft_of_a_published_entry_is_hidden_from_readers(client):
    supervisor, admin, agent = await login(client, "supervisor"), await login(client, "admin"), await login(client, "agent1001")
    aid = (await client.get("/api/v1/knowledge/search", params={"q": "停水"}, headers=agent)).json()[0]["id"]
    revised = await client.put(f"{ARTICLES}/{aid}", headers=admin,
                               json={"title": "计划停水应答口径（修订草稿）", "body": "尚未审核的修订内容。"})
    assert revised.json()["pending"]["state"] == "draft"  # the author sees it
    for reader in (agent, supervisor):
        detail = (await client.get(f"{ARTICLES}/{aid}", headers=reader)).json()
        assert detail["live"]["version"] == 1 and detail["pending"] is None
        listed = (await client.get(ARTICLES, headers=reader, params={"limit": 500})).json()
        assert all(a["pending"] is None for a in listed if a["id"] == aid)


async def test_nobody_who_wrote_any_version_may_approve_the_entry(client, session):
    supervisor, leader, admin = await login(client, "supervisor"), await login(client, "wh_zjj_lead"), await login(client, "admin")
    created = await client.post(ARTICLES, headers=supervisor,
                                json={**DRAFT, "owner_unit_id": await _unit_id(session, "WH-ZJJ")})
    aid = created.json()["id"]
    # the unit's leader rewrites the supervisor's draft (the draft's author is now the leader) and submits
    edited = await client.put(f"{ARTICLES}/{aid}", headers=leader, json={"title": DRAFT["title"], "body": "改写后的正文。"})
    assert edited.status_code == 200 and edited.json()["pending"]["author_id"] != created.json()["pending"]["author_id"]
    await client.post(f"{ARTICLES}/{aid}/submit", headers=leader)
    refused = await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)
    assert refused.status_code == 403 and "four-eyes" in refused.json()["detail"]
    assert (await client.post(f"{ARTICLES}/{aid}/reject", headers=supervisor)).status_code == 403
    assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=admin)).status_code == 200
    # version 2, written by the leader alone: the supervisor wrote version 1 of this entry
    await client.put(f"{ARTICLES}/{aid}", headers=leader, json={"title": DRAFT["title"], "body": "第二版正文。"})
    await client.post(f"{ARTICLES}/{aid}/submit", headers=leader)
    assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)).status_code == 403
    assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=admin)).status_code == 200


async def test_error_reports_are_listed_a_page_at_a_time(client):
    agent, supervisor = await login(client, "agent1002"), await login(client, "supervisor")
    aid = (await client.get("/api/v1/knowledge/search", params={"q": "异地就医备案"}, headers=agent)).json()[0]["id"]
    reported = [(await client.post(f"{ARTICLES}/{aid}/feedback", headers=agent, json={"text": f"第{n}处有误"})).json()["id"]
                for n in range(3)]
    first = (await client.get("/api/v1/knowledge/feedback", headers=supervisor, params={"limit": 2})).json()
    rest = (await client.get("/api/v1/knowledge/feedback", headers=supervisor, params={"limit": 2, "offset": 2})).json()
    assert [r["id"] for r in first + rest] == reported
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"offset": 1_000_001}):
        assert (await client.get("/api/v1/knowledge/feedback", headers=supervisor, params=bad)).status_code == 422, bad


async def _submitted(client, session) -> int:
    leader = await login(client, "wh_zjj_lead")
    created = await client.post(ARTICLES, headers=leader, json={**DRAFT, "owner_unit_id": await _unit_id(session, "WH-ZJJ")})
    await client.post(f"{ARTICLES}/{created.json()['id']}/submit", headers=leader)
    return created.json()["id"]


async def test_the_search_index_is_bumped_after_the_commit(client, session, redis):
    aid = await _submitted(client, session)
    supervisor = await login(client, "supervisor")
    before = int(await redis.get(VERSION_KEY) or 0)
    assert (await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)).status_code == 200
    assert int(await redis.get(VERSION_KEY)) == before + 1
    assert (await client.post(f"{ARTICLES}/{aid}/retire", headers=supervisor)).status_code == 200
    assert int(await redis.get(VERSION_KEY)) == before + 2


async def test_a_rolled_back_approval_leaves_the_search_index_alone(client, session, redis, monkeypatch):
    aid = await _submitted(client, session)
    supervisor = await login(client, "supervisor")
    before = await redis.get(VERSION_KEY)

    async def audit_down(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(knowledge_endpoints, "record", audit_down)  # fails after the approval, before the commit
    try:
        response = await client.post(f"{ARTICLES}/{aid}/approve", headers=supervisor)
        assert response.status_code == 500
    except RuntimeError:
        pass  # the test transport re-raises what the app did not handle
    assert await redis.get(VERSION_KEY) == before
    monkeypatch.undo()
    assert (await client.get(f"{ARTICLES}/{aid}", headers=supervisor)).json()["status"] == "draft"
