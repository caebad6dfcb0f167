"""Knowledge base API (R-28…R-30, R-25): the unit writes, the hotline reviews, staff and public search."""
from __future__ import annotations

from sqlalchemy import select

from models import OrgUnit
from tests.conftest import login


async def _unit_id(session, code: str) -> int:
    return await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


async def _draft(client, headers, unit_id, **extra):
    body = {"owner_unit_id": unit_id, "category": "guide", "title": "武侯区老旧小区电梯加装办事指南",
            "body": "加装电梯需本单元三分之二以上业主同意，向街道提交申请，住建部门审批后可申请财政补贴。",
            "keywords": ["加装电梯", "老旧小区"], "public": True, **extra}
    return await client.post("/api/v1/knowledge/articles", headers=headers, json=body)


async def test_unit_writes_hotline_reviews_then_everyone_finds_it(client, session):
    leader = await login(client, "wh_zjj_lead")
    created = await _draft(client, leader, await _unit_id(session, "WH-ZJJ"), region_code="510107")
    assert created.status_code == 201, created.text
    article = created.json()
    assert article["status"] == "draft" and article["pending"]["version"] == 1 and article["live"] is None
    aid = article["id"]
    agent = await login(client, "agent1001")
    assert (await client.get(f"/api/v1/knowledge/articles/{aid}", headers=agent)).status_code == 404  # not yet
    submitted = await client.post(f"/api/v1/knowledge/articles/{aid}/submit", headers=leader)
    assert submitted.json()["pending"]["state"] == "in_review"
    supervisor = await login(client, "supervisor")
    approved = await client.post(f"/api/v1/knowledge/articles/{aid}/approve", headers=supervisor, json={"note": "同意"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "published" and approved.json()["live"]["review_note"] == "同意"
    hits = (await client.get("/api/v1/knowledge/search", params={"q": "老小区装电梯", "region_code": "510107001"},
                             headers=agent)).json()
    assert hits[0]["id"] == aid and hits[0]["owner_unit_name"] == "武侯区住房建设和交通运输局"
    elsewhere = (await client.get("/api/v1/knowledge/search", params={"q": "加装电梯", "region_code": "510300"},
                                  headers=agent)).json()
    assert aid not in [h["id"] for h in elsewhere]  # a Wuhou answer does not apply in Zigong
    public = (await client.get("/api/v1/knowledge/public/search", params={"q": "加装电梯"})).json()
    assert public[0]["id"] == aid


async def test_revision_keeps_the_live_version_serving_until_approved(client, session):
    supervisor = await login(client, "supervisor")
    hits = (await client.get("/api/v1/knowledge/search", params={"q": "停水"}, headers=supervisor)).json()
    aid = hits[0]["id"]  # demo entry of 成都市自来水有限责任公司
    water = await login(client, "cd_water")
    assert (await client.put(f"/api/v1/knowledge/articles/{aid}", headers=water,
                             json={"title": "计划停水应答口径（第二版）", "body": "新增：停水超过24小时的，告知送水服务电话。"})).status_code == 403
    admin = await login(client, "admin")
    revised = await client.put(f"/api/v1/knowledge/articles/{aid}", headers=admin,
                               json={"title": "计划停水应答口径（第二版）", "body": "新增：停水超过24小时的，告知送水服务电话。",
                                     "keywords": ["停水"]})
    assert revised.status_code == 200
    assert revised.json()["pending"]["version"] == 2 and revised.json()["live"]["version"] == 1
    still = (await client.get("/api/v1/knowledge/search", params={"q": "停水"}, headers=supervisor)).json()
    assert still[0]["title"] == "计划停水应答口径"
    await client.post(f"/api/v1/knowledge/articles/{aid}/submit", headers=admin)
    # four-eyes: the author may not approve their own version
    own = await client.post(f"/api/v1/knowledge/articles/{aid}/approve", headers=admin)
    assert own.status_code == 403
    assert (await client.post(f"/api/v1/knowledge/articles/{aid}/approve", headers=supervisor)).status_code == 200
    now = (await client.get("/api/v1/knowledge/search", params={"q": "停水"}, headers=supervisor)).json()
    assert now[0]["title"] == "计划停水应答口径（第二版）"


async def test_owner_only_and_illegal_steps(client, session):
    leader = await login(client, "wh_zjj_lead")
    foreign = await _draft(client, leader, await _unit_id(session, "CD-WATER"))
    assert foreign.status_code == 403  # 谁提供谁负责: a unit writes only its own entries
    staff = await login(client, "wh_zjj")
    assert (await _draft(client, staff, await _unit_id(session, "WH-ZJJ"))).status_code == 403
    aid = (await _draft(client, leader, await _unit_id(session, "WH-ZJJ"))).json()["id"]
    supervisor = await login(client, "supervisor")
    early = await client.post(f"/api/v1/knowledge/articles/{aid}/approve", headers=supervisor)
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"
    self_approve = await client.post(f"/api/v1/knowledge/articles/{aid}/submit", headers=leader)
    assert self_approve.status_code == 200
    assert (await client.post(f"/api/v1/knowledge/articles/{aid}/approve", headers=leader)).status_code == 403
    assert (await client.post(f"/api/v1/knowledge/articles/{aid}/dance", headers=leader)).status_code == 422


async def test_error_report_reaches_owner_and_retire_removes_from_search(client):
    agent = await login(client, "agent1002")
    hits = (await client.get("/api/v1/knowledge/search", params={"q": "异地就医备案"}, headers=agent)).json()
    aid = hits[0]["id"]
    report = await client.post(f"/api/v1/knowledge/articles/{aid}/feedback", headers=agent,
                               json={"text": "备案渠道缺少“国家医保服务平台”小程序"})
    assert report.status_code == 201
    supervisor = await login(client, "supervisor")
    open_reports = (await client.get("/api/v1/knowledge/feedback", headers=supervisor)).json()
    assert [r["article_id"] for r in open_reports] == [aid]
    water = await login(client, "cd_water")
    assert (await client.get("/api/v1/knowledge/feedback", headers=water)).json() == []  # not their entry
    resolved = await client.post(f"/api/v1/knowledge/feedback/{report.json()['id']}/resolve", headers=supervisor,
                                 json={"note": "已补充"})
    assert resolved.json()["status"] == "resolved"
    assert (await client.post(f"/api/v1/knowledge/articles/{aid}/retire", headers=supervisor)).status_code == 200
    after = (await client.get("/api/v1/knowledge/public/search", params={"q": "异地就医备案"})).json()
    assert aid not in [h["id"] for h in after]


async def test_public_search_is_limited_to_public_entries_and_rate_limited(client):
    public = (await client.get("/api/v1/knowledge/public/search", params={"q": "停水"})).json()
    assert public == []  # the water company's script is for staff only
    assert (await client.get("/api/v1/knowledge/public/search", params={"q": ""})).status_code == 422
    statuses = [(await client.get("/api/v1/knowledge/public/search", params={"q": "社保卡"})).status_code
                for _ in range(61)]
    assert statuses.count(200) == 59 and statuses[-1] == 429  # two searches above were counted too
