"""Hot topics and surge alerts with real tickets on PostgreSQL: a burst of one matter in one district
becomes the top topic and exactly one surge alert, acknowledged, then cleared when it subsides."""
from __future__ import annotations

from datetime import timedelta

from analytics import service
from analytics.config import AnalyticsConfig
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from tests.conftest import login
from tests.workorders.helpers import create

BACKGROUND = [("成华区建设路商家夜间施工噪音扰民", "510108"), ("锦江区春熙路附近共享单车乱停放", "510104"),
              ("企业反映增值税发票申领流程问题", "510107"), ("金牛区某路口红绿灯故障", "510106"),
              ("青羊区某学校门口交通拥堵", "510105")]
BURST = ["玉林小区从早上开始停水，至今未恢复供水", "玉林北路停水，家里老人无法做饭", "小区突然停水没有提前通知",
         "停水一整天了什么时候恢复", "簇桥片区大面积停水", "红牌楼附近停水，自来水公司电话打不通"]


async def _burst(client, agent, count: int = 12) -> list[dict]:
    made = []
    for i in range(count):
        made.append(await create(client, agent, content=f"{BURST[i % len(BURST)]}（第{i + 1}户）", region_code="510107",
                                 address=f"成都市武侯区玉林街道{i + 1}号", caller={"name": "市民", "phone": f"1390000{i:04d}",
                                                                              "confidential": False}))
    return made


async def test_a_burst_in_one_district_is_the_top_topic_and_one_surge_alert(client, resources):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    for content, region in BACKGROUND:
        await create(client, agent, content=content, region_code=region, caller={"name": "甲", "phone": "13700000000",
                                                                                  "confidential": False})
    burst = await _burst(client, agent)

    evaluated = await client.post("/api/v1/analytics/alerts/evaluate", headers=supervisor)
    assert evaluated.status_code == 200, evaluated.text
    body = evaluated.json()
    assert body["indexed"] == len(BACKGROUND) + len(burst)
    surges = [a for a in body["open"] if a["kind"] == "surge"]
    assert len(surges) == 1 and len(body["raised"]) == 1
    alert = surges[0]
    assert alert["region_code"] == "510107" and alert["count"] == 12 and "停水" in alert["label"]
    assert set(alert["ticket_ids"]) <= {t["id"] for t in burst}

    now = utcnow()
    topics = await client.get("/api/v1/analytics/hot-topics", headers=supervisor,
                              params={"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(minutes=1)).isoformat()})
    assert topics.status_code == 200, topics.text
    top = topics.json()["topics"][0]
    assert top["label"] == "停水" and top["count"] == 12 and top["keywords"][0] == "停水"
    assert top["regions"] == [{"region_code": "510107", "name": "武侯区", "count": 12}]
    assert top["trend"] == {"previous": 0, "change": 12, "ratio": None}
    assert len(top["examples"]) == 3 and all(e["region_code"] == "510107" for e in top["examples"])
    assert sum(t["count"] for t in topics.json()["topics"]) == len(BACKGROUND) + 12

    # two more tickets and another evaluation: the same alert, updated, not a second one
    await _burst(client, agent, 2)
    again = (await client.post("/api/v1/analytics/alerts/evaluate", headers=supervisor)).json()
    assert again["raised"] == [] and again["updated"] == [alert["id"]]
    listed = (await client.get("/api/v1/analytics/alerts", headers=supervisor, params={"open": "true"})).json()["alerts"]
    assert [a["id"] for a in listed if a["kind"] == "surge"] == [alert["id"]]

    acked = await client.post(f"/api/v1/analytics/alerts/{alert['id']}/acknowledge", headers=supervisor,
                              json={"note": "已通知市水务局核查管网"})
    assert acked.status_code == 200 and acked.json()["acknowledgement"] == "已通知市水务局核查管网"
    assert (await client.post(f"/api/v1/analytics/alerts/{alert['id']}/acknowledge", headers=supervisor,
                              json={"note": ""})).status_code == 422
    assert (await client.post("/api/v1/analytics/alerts/999999/acknowledge", headers=supervisor,
                              json={"note": "x"})).status_code == 404
    assert (await client.post("/api/v1/analytics/alerts/evaluate", headers=agent)).status_code == 403

    # three hours later the window holds none of them: the surge has subsided
    async with UnitOfWork(resources.sessionmaker()) as uow:
        later = await service.evaluate(uow, now=utcnow() + timedelta(hours=3),
                                       config=AnalyticsConfig.from_settings(resources.settings))
    assert alert["id"] in later.cleared
    closed = (await client.get("/api/v1/analytics/alerts", headers=supervisor)).json()["alerts"]
    assert next(a for a in closed if a["id"] == alert["id"])["cleared_at"] is not None


async def test_hot_topics_refuses_bad_input(client):
    supervisor = await login(client, "supervisor")
    for params in ({"from": "2026-11-02T00:00:00+08:00", "to": "2026-11-01T00:00:00+08:00"},
                   {"from": "2020-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"},
                   {"region": "abc"}, {"category": "nonsense"}, {"from": "yesterday"}):
        response = await client.get("/api/v1/analytics/hot-topics", headers=supervisor, params=params)
        assert response.status_code == 422, (params, response.text)


async def test_a_caller_repeating_a_matter_and_many_callers_on_one_address(client):
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    for i in range(3):  # one caller, the same matter, three times
        await create(client, agent, content=f"楼上装修噪音扰民，第{i + 1}次反映", region_code="510104",
                     address=f"成都市锦江区某路{i + 1}号", caller={"name": "乙", "phone": "13512345678", "confidential": False})
    for i in range(5):  # five callers, one address
        await create(client, agent, content=f"小区门口垃圾堆放无人清运（住户{i + 1}）", region_code="510105",
                     address="成都市青羊区 光华村街 8号", caller={"name": "丙", "phone": f"1350000{i:04d}", "confidential": False})
    body = (await client.post("/api/v1/analytics/alerts/evaluate", headers=supervisor)).json()
    by_kind = {a["kind"]: a for a in body["open"]}
    repeat, collective = by_kind["repeat_caller"], by_kind["collective"]
    assert repeat["count"] == 3 and "135****5678" in repeat["notice"] and "13512345678" not in str(repeat)
    assert repeat["label"] in ("装修", "噪音", "扰民")  # the matter's words, tied: the first
    assert collective["count"] == 5 and "光华村街8号" in collective["notice"] and collective["region_code"] == "510105"
    assert "surge" not in by_kind  # five and three are no surge
    again = (await client.post("/api/v1/analytics/alerts/evaluate", headers=supervisor)).json()
    assert again["raised"] == []
