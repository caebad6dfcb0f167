"""The pull feed (R-33): ticket events in order after a cursor, never a caller's identity, a
pruned cursor refused; the sequencer never lets a late commit with a smaller id be skipped."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.timeutil import utcnow
from events import outbox
from events.envelope import Audience
from events.feed import read_feed
from events.outbox import PendingEvent, prune_published
from events.sequence import last_sequenced, rows_after, sequence_pending
from models import OutboxEvent
from tests.clients.helpers import client_token, hand_over_body, register
from tests.conftest import login

HOTLINE = Audience(roles=["agent"])


async def _cursor_now(resources, session) -> int:
    await sequence_pending(resources.sessionmaker)
    return await last_sequenced(session)


async def _read_all(client, headers, after: int, limit: int) -> tuple[list[dict], int]:
    events = []
    while True:
        page = await client.get(f"/api/v1/feed/events?after={after}&limit={limit}", headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        events += body["events"]
        if body["next_cursor"] == after:
            return events, after
        after = body["next_cursor"]


async def test_feed_pages_in_order_and_never_carries_a_callers_identity(client, admin_headers, session, resources):
    start = await _cursor_now(resources, session)
    app_headers = await client_token(client, await register(client, admin_headers))
    feed_headers = await client_token(client, await register(client, admin_headers, name="省平台",
                                                             scopes=["feed:read"]))
    confidential = hand_over_body(external_ref="GJ-SECRET-1", category="report",
                                  caller={"name": "举报人", "phone": "13700007777", "confidential": True})
    assert (await client.post("/api/v1/requests", headers=app_headers, json=confidential)).status_code == 201
    assert (await client.post("/api/v1/requests", headers=app_headers,
                              json=hand_over_body(external_ref="GJ-2"))).status_code == 201
    # an event whose data names a caller (as a later event type might), and an internal one
    await outbox.write(session, [
        PendingEvent("analytics.alert", {"kind": "surge", "callers": [{"phone": "13700007777"}],
                                         "caller_name": "举报人", "region_code": "510107"}, HOTLINE),
        PendingEvent("internal.cache_bumped", {"token": 3}, HOTLINE)])
    await session.commit()

    events, cursor = await _read_all(client, feed_headers, start, limit=1)
    types = [e["type"] for e in events]
    assert types == ["ticket.created", "ticket.created", "analytics.alert"]  # internal types stay inside
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len({e["id"] for e in events}) == 3 and cursor >= seqs[-1]
    raw = str(events)
    assert "13700007777" not in raw and "举报人" not in raw and "caller" not in raw
    assert events[2]["data"] == {"kind": "surge", "region_code": "510107"}
    assert set(events[0]) == {"id", "seq", "type", "at", "data"} and events[0]["data"]["channel"] == "national_platform"

    # asking again from an earlier cursor repeats events with the same ids (at least once)
    again = (await client.get(f"/api/v1/feed/events?after={start}&limit=2", headers=feed_headers)).json()
    assert [e["id"] for e in again["events"]] == [e["id"] for e in events[:2]]
    # a cursor beyond the end, or malformed, is 422
    beyond = await client.get(f"/api/v1/feed/events?after={cursor + 1000}", headers=feed_headers)
    assert beyond.status_code == 422 and beyond.json()["code"] == "invalid_cursor"
    for query in ("after=-1", "limit=0", "limit=1001", "after=x"):
        assert (await client.get(f"/api/v1/feed/events?{query}", headers=feed_headers)).status_code == 422


async def test_a_cursor_older_than_the_retention_is_410(client, admin_headers, session, resources):
    feed_headers = await client_token(client, await register(client, admin_headers, scopes=["feed:read"]))
    start = await _cursor_now(resources, session)
    await outbox.write(session, [PendingEvent("ticket.progress", {"ticket_id": 1, "n": n}, HOTLINE) for n in range(3)])
    await session.execute(update(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                          .values(published_at=utcnow()))
    await session.commit()
    assert (await client.get(f"/api/v1/feed/events?after={start}", headers=feed_headers)).status_code == 200
    # 7 days on, the consumers have passed them: pruned; 31 days on, pruned whatever the consumers
    assert await prune_published(resources.sessionmaker, now=utcnow() + timedelta(days=31)) >= 3
    gone = await client.get(f"/api/v1/feed/events?after={start}", headers=feed_headers)
    assert gone.status_code == 410 and gone.json()["code"] == "cursor_expired"
    assert (await client.get("/api/v1/feed/events?after=0", headers=feed_headers)).status_code == 200  # a new reader
    end = await last_sequenced(session)
    assert (await client.get(f"/api/v1/feed/events?after={end}", headers=feed_headers)).json() == \
        {"events": [], "next_cursor": end}


async def test_prune_keeps_rows_a_consumer_has_not_passed(session, resources, client, admin_headers):
    from events.sequence import consumer

    await outbox.write(session, [PendingEvent("ticket.progress", {"ticket_id": 1}, HOTLINE)])
    await session.execute(update(OutboxEvent).where(OutboxEvent.published_at.is_(None)).values(published_at=utcnow()))
    await session.commit()
    await sequence_pending(resources.sessionmaker)
    (await consumer(session, "amqp")).position = 0
    await session.commit()
    assert await prune_published(resources.sessionmaker, now=utcnow() + timedelta(days=8)) == 0
    relays = {r["name"]: r for r in (await client.get("/api/v1/relays", headers=admin_headers)).json()}
    assert relays["amqp"]["position"] == 0 and relays["amqp"]["behind"] == relays["sequencer"]["position"] > 0
    for name in ("amqp", "webhooks"):  # every further consumer has passed them now
        (await consumer(session, name)).position = await last_sequenced(session)
    await session.commit()
    assert await prune_published(resources.sessionmaker, now=utcnow() + timedelta(days=8)) >= 1
    supervisor = await login(client, "supervisor")
    assert (await client.get("/api/v1/relays", headers=supervisor)).status_code == 403


async def test_a_late_commit_with_a_smaller_id_is_not_skipped(engine, settings):
    """Two real transactions commit in the other order than their outbox ids: the feed still
    returns the earlier id after the later one, never skips it (committed, then cleaned up)."""
    maker = async_sessionmaker(engine, expire_on_commit=False)
    ids: list[int] = []
    try:
        async with maker() as slow, maker() as fast:
            ids += await outbox.write(slow, [PendingEvent("ticket.progress", {"ticket_id": 1, "who": "slow"},
                                                          HOTLINE)])
            ids += await outbox.write(fast, [PendingEvent("ticket.progress", {"ticket_id": 1, "who": "fast"},
                                                          HOTLINE)])
            assert ids[0] < ids[1]
            await fast.commit()
            await sequence_pending(maker)
            async with maker() as reader:
                cursor = await last_sequenced(reader)
                first = await read_feed(maker, reader, after=cursor - 1, limit=10)
            assert [e["data"]["who"] for e in first.events] == ["fast"]
            await slow.commit()
        async with maker() as reader:
            second = await read_feed(maker, reader, after=first.next_cursor, limit=10)
            assert [e["data"]["who"] for e in second.events] == ["slow"] and second.events[0]["id"] == ids[0]
            assert second.events[0]["seq"] > first.events[0]["seq"]
            assert [r.id for r in await rows_after(reader, cursor - 1, limit=10)] == [ids[1], ids[0]]
    finally:
        async with maker() as cleanup:
            await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
            await cleanup.commit()
