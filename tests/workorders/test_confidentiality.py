"""R-25: a handling unit never sees a confidential caller's or any reporter's name or phone; R-35: views audited."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id

SECRET_NAME, SECRET_PHONE = "赵保密", "13912345678"
REPORTER_NAME, REPORTER_PHONE = "钱举报", "13887654321"
OPEN_NAME, OPEN_PHONE = "孙公开", "13611112222"


async def _setup(client, session) -> tuple[dict, dict, dict]:
    agent = await login(client, "agent1001")
    zjj = await unit_id(session, "WH-ZJJ")
    confidential = await create(client, agent, caller={"name": SECRET_NAME, "phone": SECRET_PHONE, "confidential": True},
                                content="小区电梯长期故障，物业不作为")
    report = await create(client, agent, category="report", caller={"name": REPORTER_NAME, "phone": REPORTER_PHONE,
                                                                      "confidential": False},
                          content="举报玉林小区物业公司挪用维修基金")
    plain = await create(client, agent, caller={"name": OPEN_NAME, "phone": OPEN_PHONE, "confidential": False},
                         content="小区路灯不亮")
    for ticket in (confidential, report, plain):
        await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": zjj})
    return confidential, report, plain


async def test_unit_responses_never_contain_hidden_identities(client, session):
    confidential, report, plain = await _setup(client, session)
    hidden = (SECRET_NAME, SECRET_PHONE, REPORTER_NAME, REPORTER_PHONE)
    for username in ("wh_zjj", "wh_zjj_lead", "wh_gov"):
        unit = await login(client, username)
        texts = []
        for ticket in (confidential, report):
            detail = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=unit)
            assert detail.status_code == 200
            caller = detail.json()["callers"][0]
            assert caller["hidden"] is True and caller["name"] is None and caller["phone"] is None
            texts += [detail.text, (await client.get(f"/api/v1/tickets/{ticket['id']}/history", headers=unit)).text]
        listing = await client.get("/api/v1/tickets", headers=unit, params={"limit": 200})
        assert {confidential["id"], report["id"]} <= {t["id"] for t in listing.json()["items"]}
        search = await client.get("/api/v1/tickets", headers=unit, params={"q": "维修基金"})
        assert [t["id"] for t in search.json()["items"]] == [report["id"]]
        export = await client.get("/api/v1/tickets/export.csv", headers=unit)
        assert export.status_code == 200 and "number" in export.text
        overdue = await client.get("/api/v1/supervision/overdue", headers=unit)
        texts += [listing.text, search.text, export.text, overdue.text]
        if username == "wh_zjj":
            signed = await client.post(f"/api/v1/tickets/{report['id']}/actions/sign", headers=unit, json={})
            texts.append(signed.text)
        for text in texts:
            for secret in hidden:
                assert secret not in text, (username, secret)
        by_phone = await client.get("/api/v1/tickets", headers=unit, params={"phone": REPORTER_PHONE})
        assert by_phone.status_code == 403  # no probing who reported what
    unit = await login(client, "wh_zjj")
    shown = (await client.get(f"/api/v1/tickets/{plain['id']}", headers=unit)).json()["callers"][0]
    assert (shown["name"], shown["phone"]) == (OPEN_NAME, OPEN_PHONE)  # an ordinary caller is visible to the unit


async def test_hotline_views_of_identity_are_audited_and_lists_masked(client, session):
    confidential, report, _ = await _setup(client, session)
    supervisor = await login(client, "supervisor")
    before = await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    detail = (await client.get(f"/api/v1/tickets/{report['id']}", headers=supervisor)).json()
    assert (detail["callers"][0]["name"], detail["callers"][0]["phone"]) == (REPORTER_NAME, REPORTER_PHONE)
    await client.get(f"/api/v1/tickets/{report['id']}", headers=supervisor)
    views = (await session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                            AuditEvent.action == "personal_data_viewed"))).all()
    assert len(views) == 2 and all(v.actor_username == "supervisor" and v.resource_id == str(report["id"])
                                   for v in views)  # one record per view
    listing = await client.get("/api/v1/tickets", headers=supervisor, params={"limit": 200})
    assert SECRET_PHONE not in listing.text and "139****5678" in listing.text
    export = await client.get("/api/v1/tickets/export.csv", headers=supervisor)
    assert SECRET_PHONE in export.text
    exported = await session.scalar(select(AuditEvent).where(AuditEvent.id > before,
                                                             AuditEvent.action == "personal_data_viewed",
                                                             AuditEvent.detail["where"].as_string() == "export"))
    assert exported is not None and confidential["id"] in exported.detail["ticket_ids"]
    by_phone = await client.get("/api/v1/tickets", headers=supervisor, params={"phone": SECRET_PHONE})
    assert [t["id"] for t in by_phone.json()["items"]] == [confidential["id"]]


async def test_csv_cells_cannot_carry_formulas(client, session):
    agent = await login(client, "agent1001")
    await create(client, agent, content="=HYPERLINK(\"http://x\")小区停水", domain="water")
    export = await client.get("/api/v1/tickets/export.csv", headers=agent)
    assert "'=HYPERLINK" in export.text
