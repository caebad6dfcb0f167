"""The embedded default (SQLite, in-process Redis — what `hotline up` runs on a laptop): the stats
worker computes the wallboard's figures on SQLite and publishes them on the in-process bus (R-34)."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from cli.seeding import seed
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from core.timeutil import utcnow
from stats.tasks import StatsWorker
from tests.stats.helpers import add_calls, make_call, running


async def test_stats_worker_on_sqlite_and_the_in_process_bus(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}",
                        redis_url=None, admin_password="sqlite-admin-pass", var_dir=tmp_path, demo_data=False,
                        events_channel="hotline:events:embedded-test")
    upgrade(settings.database.database_url)
    resources = Resources.open(settings)
    try:
        await seed(resources)
        async with resources.sessionmaker() as session:
            await add_calls(session, [make_call(utcnow() - timedelta(minutes=5), enter=0, answer=4, end=64),
                                      make_call(utcnow() - timedelta(minutes=5), enter=1, end=20)])
            await session.commit()
        pubsub = resources.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(settings.redis.events_channel)
        async with running(StatsWorker(resources, interval=3600)), asyncio.timeout(15):
            async for message in pubsub.listen():
                event = json.loads(message["data"])
                if event["type"] == "stats.updated":
                    break
        today = event["data"]["centre"]["today"]
        assert (today["offered"], today["answered"], today["answer_rate"]) == (2, 1, 0.5)
        assert event["data"]["series"][0]["start"] == "00:00"
        await pubsub.aclose()
    finally:
        await resources.close()
