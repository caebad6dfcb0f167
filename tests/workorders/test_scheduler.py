"""The supervision job (R-17, R-24): one pass tested directly; idempotent, restart-safe, two at once."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from access.authentication import principal_for
from models import (
    OutboxEvent,
    SupervisionRecord,
    Ticket,
    TicketAssignment,
    TicketCaller,
    TicketEvent,
    TicketSequence,
    User,
)
from tests.conftest import login
from tests.workorders.helpers import act, create, ticket_body, unit_id
from workorders import actions, schemas, service
from workorders.state_machine import Action
from workorders.tasks import run_pass


def _at(iso: str, minutes: int = 1) -> datetime:
    return datetime.fromisoformat(iso) + timedelta(minutes=minutes)


async def _records(session, ticket_id) -> list[SupervisionRecord]:
    return list((await session.scalars(select(SupervisionRecord).where(SupervisionRecord.ticket_id == ticket_id)
                                       .order_by(SupervisionRecord.id))).all())


async def test_overdue_is_flagged_once_and_reminders_recorded(client, session, resources):
    agent = await login(client, "agent1001")
    t = await create(client, agent)
    after_dispatch_limit = _at(t["deadlines"]["dispatch_due_at"])
    first = await run_pass(resources.sessionmaker, resources.redis, resources.settings, now=after_dispatch_limit)
    assert (t["id"], "overdue_dispatch") in first.flagged
    again = await run_pass(resources.sessionmaker, resources.redis, resources.settings, now=after_dispatch_limit)
    assert again.flagged == []  # nothing twice; a restarted scheduler starts from the same rows
    detail = (await client.get(f"/api/v1/tickets/{t['id']}", headers=agent)).json()
    assert detail["overdue"] is True and detail["overdue_kinds"] == ["dispatch_due_at"]
    records = await _records(session, t["id"])
    assert [(r.kind, r.unit_id) for r in records] == [("overdue_dispatch", None)]
    assert "催办" in records[0].reminder
    zjj = await unit_id(session, "WH-ZJJ")
    t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
    assert t["overdue"] is False  # the binding deadline now is sign-for, not yet passed
    await run_pass(resources.sessionmaker, resources.redis, resources.settings, now=_at(t["deadlines"]["sign_due_at"]))
    records = await _records(session, t["id"])
    assert [(r.kind, r.unit_id) for r in records][-1] == ("overdue_sign", zjj)
    unit = await login(client, "wh_zjj")
    overdue = (await client.get("/api/v1/supervision/overdue", headers=unit)).json()
    assert any(g["unit_id"] == zjj and t["id"] in [x["id"] for x in g["tickets"]] for g in overdue)
    reminders = (await client.get("/api/v1/supervision/records", headers=unit, params={"ticket_id": t["id"]})).json()
    assert {r["kind"] for r in reminders} == {"overdue_dispatch", "overdue_sign"}
    history = (await client.get(f"/api/v1/tickets/{t['id']}/history", headers=unit)).json()
    assert [e["action"] for e in history].count("overdue") == 2


async def test_late_return_counts_as_overdue_and_repeat_offenders_are_listed(client, session, resources):
    agent = await login(client, "agent1001")
    zjj, cgj = await unit_id(session, "WH-ZJJ"), await unit_id(session, "WH-CGJ")
    user = await session.scalar(select(User).where(User.username == "wh_zjj"))
    principal = await principal_for(session, user)
    for _ in range(2):
        t = await create(client, agent)
        t = await act(client, agent, t["id"], "dispatch", {"lead_unit_id": zjj})
        late = _at(t["deadlines"]["return_due_at"], 60)
        body = schemas.ReturnIn(reason="非本单位职责", legal_basis="三定方案", suggested_unit_id=cgj)
        await actions.perform(session, resources.redis, resources.settings, principal=principal, ticket_id=t["id"],
                              action=Action.RETURN, body=body, now=late)
        await session.commit()
        assert "late_return" in [r.kind for r in await _records(session, t["id"])]
    supervisor = await login(client, "supervisor")
    listed = (await client.get("/api/v1/supervision/units", headers=supervisor)).json()
    row = next(u for u in listed if u["unit_id"] == zjj)
    assert row["counts"] == {"overdue": 2, "return": 2} and row["reasons"] == ["overdue", "return"]
    assert (await client.get("/api/v1/supervision/units", headers=agent)).status_code == 403
    assert (await client.get("/api/v1/supervision/units", headers=supervisor,
                             params={"since": "2026-01-01T00:00:00"})).status_code == 422


async def _cleanup(maker, ids: list[int]) -> None:
    async with maker() as session:
        for model in (SupervisionRecord, TicketEvent, TicketCaller, TicketAssignment):
            await session.execute(delete(model).where(model.ticket_id.in_(ids)))
        await session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        await session.execute(delete(TicketSequence).where(TicketSequence.region == "5103"))
        await session.execute(delete(OutboxEvent).where(OutboxEvent.payload["ticket_id"].as_integer().in_(ids)))
        await session.commit()


async def test_two_schedulers_at_once_never_double_a_finding(engine, side_engine, settings, redis, seeded):
    """Real PostgreSQL, separate connections: SKIP LOCKED + unique findings keep two passes apart."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    ids: list[int] = []
    try:
        async with maker() as session:
            user = await session.scalar(select(User).where(User.username == "agent1002"))
            principal = await principal_for(session, user)
            for i in range(12):
                body = schemas.TicketCreate(**ticket_body(region_code="510300", address="自贡市自流井区",
                                                          content=f"自贡调度测试{i}"))
                ticket, _ = await service.create_ticket(session, redis, settings, side_engine=side_engine,
                                                        principal=principal, body=body)
                ids.append(ticket.id)
            await session.commit()
            due = max(t.dispatch_due_at for t in (await session.scalars(select(Ticket).where(Ticket.id.in_(ids)))))
        now = due + timedelta(minutes=1)
        reports = await asyncio.gather(*(run_pass(maker, redis, settings, now=now) for _ in range(2)))
        flagged = [item for report in reports for item in report.flagged if item[0] in ids]
        assert sorted(flagged) == sorted((i, "overdue_dispatch") for i in ids)
        async with maker() as session:
            kinds = (await session.scalars(select(SupervisionRecord.ticket_id)
                                           .where(SupervisionRecord.ticket_id.in_(ids)))).all()
            assert sorted(kinds) == sorted(ids)
    finally:
        await _cleanup(maker, ids)


def test_cli_runs_one_pass(settings, monkeypatch):
    from click.testing import CliRunner

    from cli.scheduler import scheduler
    from core.settings import get_settings

    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database.database_url)
    monkeypatch.setenv("HOTLINE_REDIS_URL", settings.redis.redis_url)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", settings.security.secret_key.get_secret_value())
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(scheduler, ["--once"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "flagged" in result.output
