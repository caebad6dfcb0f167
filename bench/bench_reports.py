"""Benchmark: the monthly report, the hot topics and the scorecards over 1 000 000 tickets on PostgreSQL.

Makes a throw-away database, migrates and seeds it, and bulk-loads with generate_series (in the
database, no Python loop): a year of tickets (channels, categories, 涉企, counties, domains, lead
units, dispatch/sign/handle times, a tenth returned, callback results), one caller each, their
topics (what the indexer would have given them: forty matters), a year of calls, and returns.
Then, in this process, it times (best of --rounds): the monthly report (JSON) of the fullest month,
its xlsx, the month's hot topics, the month's scorecards, and the indexer giving --index tickets
their topic. Prints seconds; the database is dropped at the end.

Run: python bench/bench_reports.py [--tickets 1000000] [--rounds 3] [--index 2000]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from access.scope import Scope
from analytics import indexer
from analytics.repository import TopicFilter
from analytics.service import hot_topics
from bench.bench_tickets import drop_database, make_database, migrate_and_seed, server_env
from core.database import create_engine, create_sessionmaker
from core.settings import Settings
from reports import scorecards, service
from reports.periods import Kind, period_of
from reports.xlsx import workbook
from stats.config import StatsConfig

MATTERS = ["停水", "停电", "噪音", "占道经营", "物业", "电梯", "燃气", "拖欠工资", "房屋漏水", "垃圾清运", "路灯", "井盖",
           "公交", "出租车", "医保", "社保", "户籍", "学位", "违章建筑", "油烟", "养老", "疫苗", "食品安全", "价格",
           "消费纠纷", "快递", "网络信号", "供暖", "排水", "绿化", "停车", "共享单车", "施工扰民", "拆迁", "补贴",
           "营业执照", "发票", "退税", "招聘", "诈骗"]


def load(dsn: str, total: int) -> None:
    """Bulk-load a year of tickets, callers, topics, calls and events with generate_series."""
    with psycopg.connect(dsn) as conn:
        policy = conn.execute("SELECT version FROM time_limit_policies WHERE active").fetchone()[0]
        counties = [r[0] for r in conn.execute("SELECT code FROM regions WHERE level = 'county' ORDER BY code LIMIT 60")]
        units = [r[0] for r in conn.execute("SELECT id FROM org_units WHERE kind NOT IN ('hotline_centre', 'sub_centre') "
                                            "ORDER BY id LIMIT 40")]
        params = {"total": total, "policy": policy, "counties": counties, "units": units, "matters": MATTERS}
        conn.execute("""
            INSERT INTO tickets (id, number, status, row_version, channel, category, enterprise_related, special, content,
                address, region_code, received_at, created_at, policy_version, calendar_provisional, lead_unit_id,
                dispatch_due_at, dispatched_at, sign_due_at, signed_at, handle_due_at, completed_at,
                extended_days, extension_major, redo_count, callback_round, screened_out, overdue, overdue_kinds, extra, domain)
            SELECT i, 'B-' || i, CASE WHEN i %% 20 = 0 THEN 'direct_answered' ELSE 'closed' END, 1,
                (ARRAY['phone','phone','phone','web','app','mailbox','national_platform'])[1 + i %% 7],
                (ARRAY['consultation','help','complaint','suggestion','report'])[1 + i %% 5], i %% 6 = 0, 'none',
                (%(matters)s::text[])[1 + i %% 40] || '问题，第' || i || '号', '某街道' || (i %% 500) || '号',
                (%(counties)s::text[])[1 + i %% cardinality(%(counties)s::text[])], c, c, %(policy)s, false,
                (%(units)s::int[])[1 + i %% cardinality(%(units)s::int[])],
                c + interval '3 hours', c + (i %% 5) * interval '1 hour', c + interval '1 day', c + (i %% 30) * interval '1 hour',
                c + interval '10 days', c + (i %% 12) * interval '1 day', CASE WHEN i %% 25 = 0 THEN 5 ELSE 0 END, false, 0, 1,
                i %% 97 = 0, false, '[]', '{}', (ARRAY['housing','water','transport','market','health'])[1 + i %% 5]
            FROM (SELECT i, timestamptz '2025-12-01 00:00+08' + (i::float / %(total)s) * interval '365 days' AS c
                  FROM generate_series(1, %(total)s) AS i) AS s""", params)
        conn.execute("""
            INSERT INTO ticket_callers (ticket_id, name, phone, confidential, hidden_from_units, source_ticket_id,
                                        callback_result, callback_round, callback_at)
            SELECT id, '压测', '138' || lpad((id %% 300000)::text, 8, '0'), false, false, id,
                   (ARRAY['satisfied','satisfied','satisfied','dissatisfied_reasonable','no_evaluation'])[1 + id %% 5], 1,
                   completed_at + interval '1 day'
            FROM tickets""", params)
        conn.execute("""
            INSERT INTO ticket_topics (ticket_id, topic, keywords, created_at, region_code, county_code, category,
                                       enterprise_related)
            SELECT id, (%(matters)s::text[])[1 + id %% 40], json_build_array((%(matters)s::text[])[1 + id %% 40]),
                   created_at, region_code, substr(region_code, 1, 6), category, enterprise_related FROM tickets""", params)
        conn.execute("""
            INSERT INTO calls (channel_id, app, node, caller_number, called_number, phase, disposition, queue, urgent,
                               started_at, entered_queue_at, answered_at, ended_at, region_code)
            SELECT 'bench-' || i, 'hotline', '', '138' || lpad((i %% 300000)::text, 8, '0'), '12345', 'ended',
                   CASE WHEN i %% 25 = 0 THEN 'abandoned' ELSE 'answered' END, 'general', false,
                   c, c + interval '20 seconds', CASE WHEN i %% 25 = 0 THEN NULL ELSE c + (20 + i %% 30) * interval '1 second' END,
                   c + interval '5 minutes', substr((%(counties)s::text[])[1 + i %% cardinality(%(counties)s::text[])], 1, 4) || '00'
            FROM (SELECT i, timestamptz '2025-12-01 00:00+08' + (i::float / %(total)s) * interval '365 days' AS c
                  FROM generate_series(1, %(total)s) AS i) AS s""", params)
        conn.execute("""
            INSERT INTO ticket_events (ticket_id, at, action, side, unit_id, detail)
            SELECT id, created_at + interval '2 hours', 'return', 'unit', lead_unit_id, '{}' FROM tickets WHERE id %% 10 = 0""", params)
        conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), %s)", (total,))
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


async def best(label: str, rounds: int, work) -> None:
    times = []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    print(f"{label:<44} best {min(times):7.3f} s   (rounds: {', '.join(f'{t:.3f}' for t in times)})")
    return result


async def measure(url: str, rounds: int, index: int) -> None:
    settings = Settings(database_url=url, _env_file=None)
    config = StatsConfig.from_settings(settings)
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    everything = Scope(everything=True)
    month = period_of(Kind.MONTHLY, datetime(2026, 10, 15, tzinfo=UTC).date(), config.tz)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        async with maker() as session:
            count = await session.scalar(text("SELECT count(*) FROM tickets"))
            print(f"tickets in the database: {count:,}; month: {month.label}")
            report = await best("monthly report (JSON, every part)", rounds,
                                lambda: service.report(session, month, everything, now=now, stats_config=config))
            print(f"  the month's tickets: {report['summary']['tickets']:,}, calls offered: "
                  f"{report['summary']['calls']['offered']:,}")
            await best("monthly report as xlsx (rendering only)", rounds, lambda: asyncio.to_thread(workbook, report))
            await best("hot topics of the month (top 20)", rounds,
                       lambda: hot_topics(session, TopicFilter(month.start, month.end), everything, limit=20))
            await best("scorecards of the month (+ the month before)", rounds,
                       lambda: scorecards.scorecards(session, month, everything, now=now, config=config))
        async with maker() as session:
            await session.execute(text("DELETE FROM ticket_topics WHERE ticket_id > (SELECT max(id) - :n FROM tickets)"),
                                  {"n": index})
            started = time.perf_counter()
            done = await indexer.index_pending(session, threshold=settings.analytics.analytics_topic_threshold, limit=index)
            print(f"{'indexer: topics for ' + str(done) + ' new tickets':<44} {time.perf_counter() - started:7.3f} s")
            await session.rollback()
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--index", type=int, default=2000)
    args = parser.parse_args()
    name, url = make_database()
    try:
        with tempfile.TemporaryDirectory() as var:
            migrate_and_seed(server_env(url, Path(var)))
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        started = time.perf_counter()
        load(dsn, args.tickets)
        print(f"bulk load of {args.tickets:,} tickets (+ callers, topics, calls, returns): {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(url, args.rounds, args.index))
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
