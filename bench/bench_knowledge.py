"""Benchmark: knowledge search with 20 000 published entries, two API processes on PostgreSQL.

Makes a throw-away database, migrates and seeds it, loads N published entries (COPY; text cut
from the regulation draft, their search terms computed as a publication stores them), starts
two API processes (uvicorn, one port each, one Redis) and measures:

- the first search of each process (the whole index built from the stored terms);
- staff searches (GET /api/v1/knowledge/search) one at a time against each process: p50/p95/p99;
- publish → searchable: an entry approved through process A, then searched for every 10 ms
  in A and in B until found, time from sending the approval (several rounds);
- in this process, without HTTP: the index build, one entry's change, index.search p50/p95,
  and the segmentation of the entries by jieba and by core.chinese_text.segment (rjieba), with
  the check that both give the same tokens.

Prints a markdown table (with the machine's load average at each figure). `--app-root DIR`
runs the servers from another checkout (e.g. `git archive` of an older commit) for a before/after.

Run: python bench/bench_knowledge.py [--entries 20000] [--queries 300] [--publishes 10]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_REDIS (default redis://127.0.0.1:6379/15; the servers need a real Redis).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jieba
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_tickets import (
    DEMO_PASSWORD,
    drop_database,
    free_port,
    make_database,
    migrate_and_seed,
    percentile,
    server_env,
    wait_ready,
)

from core.chinese_text import TOKENS_VERSION, segment
from knowledge.search_index import SearchIndex, article_terms

REDIS_URL = os.environ.get("HOTLINE_BENCH_REDIS", "redis://127.0.0.1:6379/15")
REGULATION = ROOT / "tests" / "core" / "regulation-sample.zh.txt"
FIRST_ID = 1_000_000  # the loaded entries' ids (articles and revisions), clear of the demo rows
CATEGORIES = ("guide", "policy", "interpretation", "hot_topic", "event_script", "faq")


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def corpus(count: int, seed: int = 16) -> list[tuple[str, str, list[str]]]:
    """(title, body, keywords) cut from the regulation draft, deterministic."""
    text = REGULATION.read_text(encoding="utf-8").replace("\n", "")
    generator = random.Random(seed)

    def piece(length: int) -> str:
        at = generator.randrange(len(text) - length)
        return text[at:at + length]

    return [(piece(14), piece(generator.randint(80, 400)), [piece(4), piece(3)]) for _ in range(count)]


def queries(count: int, seed: int = 17) -> list[str]:
    text = REGULATION.read_text(encoding="utf-8").replace("\n", "")
    generator = random.Random(seed)
    out = []
    for _ in range(count):
        at = generator.randrange(len(text) - 12)
        out.append(text[at:at + generator.randint(4, 12)])
    return out


def insert_entries(dsn: str, entries: list[tuple[str, str, list[str]]], terms: list[dict[str, int]]) -> None:
    """Published entries as a publication leaves them (stored terms where the schema has them)."""
    with psycopg.connect(dsn) as conn:
        unit_id = conn.execute("SELECT id FROM org_units WHERE code = 'WH-ZJJ'").fetchone()[0]
        admin_id = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
        columns = {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'knowledge_revisions'")}
        stored = "search_terms" in columns
        with conn.cursor().copy("COPY knowledge_articles (id, owner_unit_id, category, region_code, public, status, "
                                "created_at, published_at) FROM STDIN") as copy:
            for n in range(len(entries)):
                copy.write_row((FIRST_ID + n, unit_id, CATEGORIES[n % len(CATEGORIES)], None if n % 3 else "510100",
                                n % 2 == 0, "published", "now", "now"))
        revision_columns = ("id, article_id, version, title, body, keywords, state, author_id, created_at"
                            + (", search_terms, search_terms_version" if stored else ""))
        with conn.cursor().copy(f"COPY knowledge_revisions ({revision_columns}) FROM STDIN") as copy:
            for n, (title, body, keywords) in enumerate(entries):
                row = [FIRST_ID + n, FIRST_ID + n, 1, title, body, json.dumps(keywords, ensure_ascii=False),
                       "published", admin_id, "now"]
                if stored:
                    row += [json.dumps(terms[n], ensure_ascii=False), TOKENS_VERSION]
                copy.write_row(row)
        seq = f"search_seq = id - {FIRST_ID} + 1000, " if stored else ""
        conn.execute(f"UPDATE knowledge_articles SET {seq}live_revision_id = id WHERE id >= %s", (FIRST_ID,))
        for table in ("knowledge_articles", "knowledge_revisions"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute("ANALYZE knowledge_articles")
        conn.execute("ANALYZE knowledge_revisions")


async def token(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def search(http, headers, q: str) -> list[dict]:
    response = await http.get("/api/v1/knowledge/search", params={"q": q, "limit": 10}, headers=headers)
    response.raise_for_status()
    return response.json()


async def drive(bases: list[str], qs: list[str], publishes: int, unit_id: int, rows: list[list[str]]) -> None:
    clients = [httpx.AsyncClient(base_url=b, timeout=300) for b in bases]
    try:
        agent = await token(clients[0], "agent1001")
        for name, http in zip("AB", clients, strict=True):
            started = time.perf_counter()
            await search(http, agent, "热线")
            rows.append([f"first search of process {name} (the whole index built from the stored terms)",
                         f"{(time.perf_counter() - started) * 1000:.0f} ms", "", "", load()])
        for name, http in zip("AB", clients, strict=True):
            for q in qs[:20]:  # warm-up
                await search(http, agent, q)
            ms = []
            for q in qs:
                started = time.perf_counter()
                await search(http, agent, q)
                ms.append((time.perf_counter() - started) * 1000)
            rows.append([f"staff search over HTTP, process {name} ({len(qs)} queries, one at a time)",
                         f"p50 {percentile(ms, 50):.1f} ms", f"p95 {percentile(ms, 95):.1f} ms",
                         f"p99 {percentile(ms, 99):.1f} ms", load()])
        leader, supervisor = await token(clients[0], "wh_zjj_lead"), await token(clients[0], "supervisor")
        seen: dict[str, list[float]] = {"A": [], "B": []}
        for n in range(publishes):
            word = f"kbench{os.getpid()}x{n}"
            created = await clients[0].post("/api/v1/knowledge/articles", headers=leader, json={
                "owner_unit_id": unit_id, "category": "faq", "title": f"{word} 压测条目",
                "body": f"压测用的知识条目 {word}，发布后应在每个进程中可检索。", "keywords": [word], "public": True})
            created.raise_for_status()
            aid = created.json()["id"]
            (await clients[0].post(f"/api/v1/knowledge/articles/{aid}/submit", headers=leader)).raise_for_status()
            started = time.perf_counter()
            approved = await clients[0].post(f"/api/v1/knowledge/articles/{aid}/approve", headers=supervisor)
            approved.raise_for_status()

            async def until_found(name: str, http: httpx.AsyncClient, aid=aid, word=word, started=started) -> None:
                while time.perf_counter() - started < 600:
                    if any(h["id"] == aid for h in await search(http, agent, word)):
                        seen[name].append((time.perf_counter() - started) * 1000)
                        return
                    await asyncio.sleep(0.01)
                seen[name].append(float("inf"))

            await asyncio.gather(*(until_found(name, http) for name, http in zip("AB", clients, strict=True)))
        for name in "AB":
            ms = seen[name]
            rows.append([f"publish → searchable in process {name} ({publishes} approvals through A)",
                         f"p50 {statistics.median(ms):.0f} ms", f"max {max(ms):.0f} ms", "", load()])
    finally:
        for http in clients:
            await http.aclose()


def in_process(entries, terms, qs, rows: list[list[str]], jieba_sample: int) -> None:
    started = time.perf_counter()
    index = SearchIndex.from_terms((FIRST_ID + n, t) for n, t in enumerate(terms))
    rows.append(["index build from stored terms (this process, no HTTP)",
                 f"{(time.perf_counter() - started) * 1000:.0f} ms", "", "", load()])
    title, body, keywords = entries[0]
    changed = article_terms(title + "新版", body[::-1], keywords)
    ms = []
    for n in range(20):
        started = time.perf_counter()
        index.with_changes({FIRST_ID + n: changed})
        ms.append((time.perf_counter() - started) * 1000)
    rows.append(["one entry re-indexed (with_changes)", f"p50 {percentile(ms, 50):.1f} ms",
                 f"max {max(ms):.1f} ms", "", load()])
    for q in qs[:20]:
        index.search(q)
    ms = []
    for q in qs:
        started = time.perf_counter()
        index.search(q)
        ms.append((time.perf_counter() - started) * 1000)
    rows.append([f"index.search ({len(qs)} queries, no HTTP)", f"p50 {percentile(ms, 50):.2f} ms",
                 f"p95 {percentile(ms, 95):.2f} ms", f"p99 {percentile(ms, 99):.2f} ms", load()])
    sample = [f"{t} {b} {' '.join(k)}" for t, b, k in entries[:jieba_sample]]
    jieba.initialize()
    started = time.perf_counter()
    by_jieba = [list(jieba.cut_for_search(text)) for text in sample]
    jieba_s = time.perf_counter() - started
    started = time.perf_counter()
    by_segment = [segment(text) for text in sample]
    segment_s = time.perf_counter() - started
    same = by_jieba == by_segment
    scale = len(entries) / len(sample)
    rows.append([f"segmenting {len(sample)} entries: jieba → core.chinese_text.segment (rjieba)",
                 f"{jieba_s * 1000:.0f} ms → {segment_s * 1000:.0f} ms ({jieba_s / segment_s:.1f}×)",
                 f"tokens identical: {'yes' if same else 'NO'}",
                 f"all {len(entries)} by jieba ≈ {jieba_s * scale:.1f} s", load()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--publishes", type=int, default=10)
    parser.add_argument("--jieba-sample", type=int, default=2_000, help="entries segmented by both libraries")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout the servers run from")
    args = parser.parse_args()
    rows: list[list[str]] = []
    started_load = load()
    entries = corpus(args.entries)
    started = time.perf_counter()
    terms = [article_terms(t, b, k) for t, b, k in entries]
    terms_s = time.perf_counter() - started
    rows.append([f"terms of {args.entries} entries (what publication stores; segment = rjieba)",
                 f"{terms_s:.1f} s", f"{terms_s / args.entries * 1000:.2f} ms per entry", "", load()])
    qs = queries(args.queries)
    name, url = make_database()
    var_dir = Path(f"/tmp/hotline-bench-knowledge-{os.getpid()}")
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(url, var_dir)
    env["HOTLINE_REDIS_URL"] = REDIS_URL
    servers: list[subprocess.Popen] = []
    log = (var_dir / "server.log").open("w")
    try:
        migrate_and_seed(env)
        insert_entries(url.replace("postgresql+psycopg://", "postgresql://", 1), entries, terms)
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            unit_id = conn.execute("SELECT id FROM org_units WHERE code = 'WH-ZJJ'").fetchone()[0]
        redis.Redis.from_url(REDIS_URL).delete("knowledge:version")  # the servers' Redis DB may hold an old count
        ports = [free_port(), free_port()]
        for port in ports:
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "warning", "--no-access-log"], cwd=args.app_root, env=env,
                stdout=subprocess.DEVNULL, stderr=log))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server in zip(bases, servers, strict=True):
            asyncio.run(wait_ready(base, server))
        asyncio.run(drive(bases, qs, args.publishes, unit_id, rows))
        in_process(entries, terms, qs, rows, min(args.jieba_sample, args.entries))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        drop_database(name)
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)
    print(f"\nknowledge search, {args.entries} published entries, 2 API processes (uvicorn, one port each) on "
          f"PostgreSQL + Redis, servers from {args.app_root}; {os.cpu_count()} CPUs; "
          f"load average at start {started_load}\n")
    print("| measure | figure | | | load (1 min) |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
