"""The unit of work and the outbox: events are published after, and only if, the commit succeeds;
a crash between the commit and the publication is made good by the relay, in order, once."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import event, func, select, update

from api.app import create_app
from core.errors import Conflict
from events.bus import EventBus
from events.envelope import Audience, data_for_audience
from events.outbox import relay_pending
from events.unit_of_work import UnitOfWork
from models import OrgUnit, OutboxEvent
from web.deps import UnitOfWorkDep

EVERYONE = Audience(all=True)


class RecordingBus:
    """Stands in for the event bus: records what is published (and can be made to fail)."""

    def __init__(self, log: list[str] | None = None, *, failing: bool = False) -> None:
        self.published: list[tuple[str, dict, Audience]] = []
        self.moments: list = []  # each event's `at`
        self.log = log if log is not None else []
        self.failing = failing

    async def publish(self, type_: str, data: dict, *, audience: Audience | None = None, at=None) -> int:
        if self.failing:
            raise ConnectionError("bus down")
        self.log.append(f"publish {type_}")
        self.published.append((type_, data, audience))
        self.moments.append(at)
        return 1


async def _outbox(session) -> list[OutboxEvent]:
    """This test's rows (types test.*; other tests' committed rows are left out)."""
    return list((await session.scalars(select(OutboxEvent).where(OutboxEvent.type.startswith("test."))
                                       .order_by(OutboxEvent.id).execution_options(populate_existing=True))).all())


async def test_commit_writes_the_outbox_then_publishes_after_the_commit(resources, session):
    log: list[str] = []
    bus = RecordingBus(log)
    uow = UnitOfWork(resources.sessionmaker(), bus)
    event.listen(uow.session.sync_session, "after_commit", lambda _: log.append("commit"))

    async def hook() -> None:
        log.append("hook")

    uow.after_commit(hook)
    async with uow:
        uow.emit("test.first", {"n": 1}, audience=EVERYONE)
        uow.emit("test.second", {"n": 2}, audience=EVERYONE)
        assert bus.published == []  # nothing leaves before the commit
    # the rows are committed before anything is published; the marking commits after; hooks last
    assert log == ["commit", "publish test.first", "publish test.second", "commit", "hook"]
    rows = await _outbox(session)
    assert [(r.type, r.payload, r.attempts) for r in rows] == [("test.first", {"n": 1}, 1), ("test.second", {"n": 2}, 1)]
    assert all(r.published_at is not None for r in rows)


async def test_rollback_publishes_nothing_and_runs_no_hook(resources, session):
    bus, hooks = RecordingBus(), []

    async def hook() -> None:
        hooks.append("ran")

    with pytest.raises(RuntimeError):
        async with UnitOfWork(resources.sessionmaker(), bus) as uow:
            uow.emit("test.never", {}, audience=EVERYONE)
            uow.after_commit(hook)
            raise RuntimeError("the job failed")
    assert bus.published == [] and hooks == []
    assert await _outbox(session) == []


async def test_keep_despite_commits_a_refusal_and_still_raises(resources, session):
    bus = RecordingBus()
    with pytest.raises(Conflict):
        async with UnitOfWork(resources.sessionmaker(), bus) as uow:
            uow.emit("test.refused", {}, audience=EVERYONE)
            raise uow.keep_despite(Conflict("refused, on record"))
    assert [t for t, _, _ in bus.published] == ["test.refused"]


async def test_a_crash_between_commit_and_publication_is_relayed_once_in_order(resources, session):
    async with UnitOfWork(resources.sessionmaker(), bus=None) as uow:  # committed, never published
        for n in range(5):
            uow.emit("test.crashed", {"n": n}, audience=EVERYONE)
    assert [r.published_at for r in await _outbox(session)] == [None] * 5
    bus = RecordingBus()
    assert await relay_pending(resources.sessionmaker, bus, batch=2) == 5  # several batches
    assert [d["n"] for _, d, _ in bus.published] == [0, 1, 2, 3, 4]
    rows = await _outbox(session)
    assert all(r.published_at is not None for r in rows)
    # each event says when it happened (its row's creation), not when the relay got to it
    assert bus.moments == [r.created_at for r in rows]
    again = RecordingBus()
    assert await relay_pending(resources.sessionmaker, again) == 0  # rows marked published stay published
    assert again.published == []


async def test_a_failed_publication_keeps_the_commit_and_leaves_the_rows_for_the_relay(resources, session):
    async with UnitOfWork(resources.sessionmaker(), RecordingBus(failing=True)) as uow:
        uow.emit("test.later", {"n": 1}, audience=EVERYONE)
        uow.emit("test.later", {"n": 2}, audience=EVERYONE)
    rows = await _outbox(session)
    assert [(r.published_at, r.attempts) for r in rows] == [(None, 1), (None, 0)]  # stopped at the first
    assert await relay_pending(resources.sessionmaker, RecordingBus(failing=True)) == 0
    bus = RecordingBus()
    assert await relay_pending(resources.sessionmaker, bus) == 2
    assert [d["n"] for _, d, _ in bus.published] == [1, 2]
    assert [r.attempts for r in await _outbox(session)] == [3, 1]


async def test_events_reach_the_redis_bus_after_the_commit(resources):
    bus = EventBus.for_resources(resources)
    received = bus.events()
    first = asyncio.ensure_future(anext(received))
    await asyncio.sleep(0.2)  # let the subscription start (the bus drops messages nobody listens to)
    async with UnitOfWork(resources.sessionmaker(), bus) as uow:
        uow.emit("test.real", {"n": 7}, audience=EVERYONE)
    got = await asyncio.wait_for(first, timeout=5)
    await received.aclose()
    assert (got.type, got.data, got.audience.all) == ("test.real", {"n": 7}, True)


def test_an_event_addressed_to_units_never_carries_a_callers_identity():
    """R-25, applied in one place (events.envelope.data_for_audience, called by UnitOfWork.emit)."""
    data = {"ticket_id": 1, "caller_name": "张三", "caller_phone": "13800001111", "phone": "13800001111",
            "id_number": "510107199001011234", "callers": [{"name": "张三"}],
            "nested": {"caller_number": "13800001111", "kept": 1}, "items": [{"phone": "138", "unit_id": 3}]}
    to_units = data_for_audience(data, Audience(roles=["agent"], unit_ids=[3]))
    assert to_units == {"ticket_id": 1, "nested": {"kept": 1}, "items": [{"unit_id": 3}]}
    assert data_for_audience(data, Audience(roles=["agent"])) == data  # hotline staff only: unchanged
    uow = UnitOfWork(session=None)
    uow.emit("test.unit", data, audience=Audience(unit_ids=[3]))
    assert "13800001111" not in str(uow.pending_events[0].data) and "张三" not in str(uow.pending_events[0].data)


# ------------------------------------------------------------------------------- the request's unit


@pytest.fixture
async def probe(resources):
    """The API with three extra routes, each ending its unit of work differently."""
    app = create_app(resources=resources)

    @app.post("/probe/ok")
    async def ok(uow: UnitOfWorkDep) -> dict:
        uow.emit("test.ok", {}, audience=EVERYONE)
        return {"ok": True}

    @app.post("/probe/refused")
    async def refused(uow: UnitOfWorkDep) -> dict:
        uow.emit("test.refused", {}, audience=EVERYONE)
        uow.session.add(OrgUnit(code="PROBE-1", name="probe", kind="department", level="county",
                                region_code="510107", domains=[]))
        raise Conflict("no")

    @app.post("/probe/duplicate")
    async def duplicate(uow: UnitOfWorkDep) -> dict:
        uow.emit("test.duplicate", {}, audience=EVERYONE)
        # not flushed: the unique code fails at the commit, after the endpoint returned
        uow.session.add(OrgUnit(code="WH-ZJJ", name="duplicate", kind="department", level="county",
                                region_code="510107", domains=[]))
        return {"ok": True}

    @app.post("/probe/too-long")
    async def too_long(uow: UnitOfWorkDep) -> dict:
        uow.session.add(OrgUnit(code="X" * 40, name="too long", kind="department", level="county",
                                region_code="510107", domains=[]))
        return {"ok": True}

    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _types(session) -> list[str]:
    return [r.type for r in await _outbox(session)]


async def test_the_request_commits_after_the_endpoint_and_publishes(probe, session):
    response = await probe.post("/probe/ok")
    assert response.status_code == 200
    rows = await _outbox(session)
    assert [r.type for r in rows] == ["test.ok"] and rows[0].published_at is not None


async def test_an_error_in_the_endpoint_publishes_nothing_and_keeps_nothing(probe, session):
    response = await probe.post("/probe/refused")
    assert response.status_code == 409
    assert await _types(session) == []
    assert await session.scalar(select(OrgUnit).where(OrgUnit.code == "PROBE-1")) is None


async def test_an_integrity_error_at_the_commit_is_a_409_not_a_success(probe, session):
    response = await probe.post("/probe/duplicate")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert await _types(session) == []  # rolled back with the change


async def test_a_data_error_at_the_commit_is_a_422(probe):
    response = await probe.post("/probe/too-long")
    assert response.status_code == 422 and response.json()["code"] == "invalid"


async def test_the_api_relays_what_a_crash_left_unpublished_when_it_starts(resources, session):
    from tests.live_server import live_server

    async with UnitOfWork(resources.sessionmaker(), bus=None) as uow:  # committed, never published
        uow.emit("test.before_start", {"n": 1}, audience=EVERYONE)
    async with live_server(resources):
        pass
    assert all(r.published_at is not None for r in await _outbox(session))


async def test_published_rows_are_pruned_after_a_week_unpublished_ones_never(resources, session):
    from datetime import timedelta

    from core.timeutil import utcnow
    from events.outbox import prune_published
    from events.sequence import SEQUENCER
    from models import OutboxConsumer

    async with UnitOfWork(resources.sessionmaker(), RecordingBus()) as uow:
        uow.emit("test.published", {}, audience=EVERYONE)
    async with UnitOfWork(resources.sessionmaker(), bus=None) as uow:
        uow.emit("test.unpublished", {}, audience=EVERYONE)
    await prune_published(resources.sessionmaker, now=utcnow() + timedelta(days=6))
    assert await _types(session) == ["test.published", "test.unpublished"]
    # a further consumer's cursor left in the shared database (a relay run by hand) holds rows back
    # (tests/clients/test_feed.py): here every consumer has passed them — inside this test's transaction
    await session.execute(update(OutboxConsumer).where(OutboxConsumer.name != SEQUENCER)
                          .values(position=select(func.coalesce(func.max(OutboxEvent.seq), 0)).scalar_subquery()))
    await session.commit()
    assert await prune_published(resources.sessionmaker, now=utcnow() + timedelta(days=8)) >= 1
    assert await _types(session) == ["test.unpublished"]


async def test_two_relays_at_once_publish_each_row_once(engine, settings, seeded):
    """Real PostgreSQL, separate connections: SKIP LOCKED keeps two relays off each other's rows."""
    from sqlalchemy import delete
    from sqlalchemy.ext.asyncio import async_sessionmaker

    maker = async_sessionmaker(engine, expire_on_commit=False)

    class SlowBus(RecordingBus):
        async def publish(self, type_, data, *, audience=None, at=None) -> int:
            await asyncio.sleep(0.001)  # let the other relay run meanwhile
            return await super().publish(type_, data, audience=audience, at=at)

    async with UnitOfWork(maker(), bus=None) as uow:
        for n in range(30):
            uow.emit("test.concurrent", {"n": n}, audience=EVERYONE)
    try:
        a, b = SlowBus(), SlowBus()
        await asyncio.gather(relay_pending(maker, a, batch=7), relay_pending(maker, b, batch=7))
        numbers = [d["n"] for bus in (a, b) for t, d, _ in bus.published if t == "test.concurrent"]
        assert sorted(numbers) == list(range(30))  # every row, none twice
        for bus in (a, b):  # each relay in id order
            mine = [d["n"] for t, d, _ in bus.published if t == "test.concurrent"]
            assert mine == sorted(mine)
    finally:
        async with maker() as session:
            await session.execute(delete(OutboxEvent).where(OutboxEvent.type == "test.concurrent"))
            await session.commit()
