"""Benchmark: the workbench's list queries over 100 000 tickets, 10 000 of them open.

Makes a throw-away database, migrates and seeds it, loads the tickets with COPY (one caller
each; lead-unit assignments for every dispatched one, a tenth of them to 武侯区住建交通局;
some overdue), starts the API with uvicorn in a subprocess, signs in as the dispatcher
(`supervisor`) and a unit's staff member (`wh_zjj`), then requests each screen's list the way
the page does, one request at a time, and prints p50/p95/max per query. Everything it started
is stopped and the database dropped.

Run: python bench/bench_workbench.py [--tickets 100000] [--open 10000] [--rounds 100]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_REDIS (Redis URL for the server; unset = in-process stand-in).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_tickets import (  # found through the path set above
    CONTENTS,
    DEMO_PASSWORD,
    drop_database,
    free_port,
    make_database,
    migrate_and_seed,
    percentile,
    server_env,
    wait_ready,
)

TICKET_COLUMNS = (
    "id", "number", "status", "row_version", "channel", "category", "enterprise_related", "special", "content",
    "address", "region_code", "received_at", "created_at", "policy_version", "calendar_provisional", "lead_unit_id",
    "dispatch_due_at", "sign_due_at", "return_due_at", "handle_due_at", "dispatched_at", "completed_at", "closed_at",
    "extended_days", "extension_major", "redo_count", "callback_round", "screened_out", "overdue", "overdue_kinds",
    "next_due_at", "extra", "domain")
OPEN_KINDS = (("pending_dispatch", 2), ("returned", 1), ("dispatched", 2), ("in_progress", 3), ("completed", 2))


def _open_statuses(count: int) -> list[str]:
    weights = sum(w for _, w in OPEN_KINDS)
    return [status for status, w in OPEN_KINDS for _ in range(count * w // weights)]


def load_tickets(dsn: str, total: int, open_count: int) -> None:
    """COPY `total` tickets (the newest `open_count` of them open) with their callers and assignments."""
    rng = random.Random(12345)
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        policy = conn.execute("SELECT version FROM time_limit_policies WHERE active").fetchone()[0]
        units = dict(conn.execute("SELECT code, id FROM org_units").fetchall())
        zjj = units["WH-ZJJ"]
        others = [uid for code, uid in units.items() if code.startswith(("WH-", "CD-", "JJ-")) and uid != zjj]
        open_statuses = _open_statuses(open_count)
        rng.shuffle(open_statuses)
        with conn.cursor() as cur:
            with cur.copy(f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as tickets:
                for i in range(1, total + 1):
                    opened = i > total - len(open_statuses)
                    status = open_statuses[i - (total - len(open_statuses)) - 1] if opened else "closed"
                    created = now - timedelta(minutes=rng.randint(5, 60 * 24 * (20 if opened else 365)))
                    dispatched = status not in ("pending_dispatch", "returned")
                    lead = (zjj if i % 10 == 0 else rng.choice(others)) if dispatched else None
                    dispatch_due, sign_due = created + timedelta(hours=3), created + timedelta(days=1)
                    handle_due = created + timedelta(days=10)
                    due = {"pending_dispatch": dispatch_due, "returned": dispatch_due, "dispatched": sign_due,
                           "in_progress": handle_due}.get(status)
                    overdue = due is not None and due < now
                    completed = created + timedelta(days=rng.randint(1, 9)) if status in ("completed", "closed") else None
                    tickets.write_row((
                        i, f"5101-BENCH-{i:08d}", status, 1, "phone", "help", False, "none",
                        f"{CONTENTS[i % len(CONTENTS)]}（第{i}号）", "成都市武侯区玉林街道", "510107", created, created,
                        policy, False, lead, dispatch_due, sign_due if dispatched else None,
                        created + timedelta(days=2) if dispatched else None, handle_due if dispatched else None,
                        created + timedelta(minutes=30) if dispatched else None, completed,
                        completed if status == "closed" else None, 0, False, 0, 1, False, overdue,
                        '["handle_due_at"]' if overdue and status == "in_progress" else "[]",
                        None if overdue else due, "{}", "housing"))
            with cur.copy("COPY ticket_callers (ticket_id, name, phone, confidential, hidden_from_units, "
                          "source_ticket_id) FROM STDIN") as callers:
                for i in range(1, total + 1):
                    callers.write_row((i, "压测", f"138{i:08d}", False, False, i))
            leads = cur.execute("SELECT id, lead_unit_id, created_at FROM tickets WHERE lead_unit_id IS NOT NULL"
                                ).fetchall()  # read before the COPY: the connection is busy during one
            with cur.copy("COPY ticket_assignments (ticket_id, unit_id, role, active, assigned_at) FROM STDIN") as rows:
                for ticket_id, unit_id, created in leads:
                    rows.write_row((ticket_id, unit_id, "lead", True, created))
        conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), %s)", (total,))
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


# (name, who, path, params): each screen's list as the workbench asks for it
QUERIES = (
    ("dispatch queue (待派单)", "supervisor", "/api/v1/tickets",
     {"status": ["pending_dispatch", "returned"], "order": "dispatch_due", "limit": 50}),
    ("callback queue (待回访)", "supervisor", "/api/v1/tickets",
     {"status": ["completed"], "order": "completed_oldest", "limit": 50}),
    ("unit inbox (承办待办)", "wh_zjj", "/api/v1/tickets",
     {"status": ["dispatched", "in_progress", "extension_requested"], "order": "nearest_due", "limit": 50}),
    ("unit inbox, page 10", "wh_zjj", "/api/v1/tickets",
     {"status": ["dispatched", "in_progress", "extension_requested"], "order": "nearest_due", "limit": 50,
      "offset": 450}),
    ("search by content (查询)", "supervisor", "/api/v1/tickets", {"q": "电梯", "limit": 50}),
    ("all tickets, page 100", "supervisor", "/api/v1/tickets", {"limit": 50, "offset": 4950}),
    ("overdue only", "supervisor", "/api/v1/tickets", {"overdue": "true", "limit": 50}),
    ("supervision: overdue by unit", "supervisor", "/api/v1/supervision/overdue", {"limit": 500}),
)


async def measure(base: str, rounds: int) -> list[tuple[str, int, list[float]]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        headers = {}
        for username in ("supervisor", "wh_zjj"):
            token = (await http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
                                     )).json()["access_token"]
            headers[username] = {"Authorization": f"Bearer {token}"}
        results = []
        for name, who, path, params in QUERIES:
            total = None
            for _ in range(5):  # warm-up
                response = await http.get(path, headers=headers[who], params=params)
                response.raise_for_status()
                body = response.json()
                total = body["total"] if isinstance(body, dict) else sum(len(g["tickets"]) for g in body)
            latencies = []
            for _ in range(rounds):
                start = time.perf_counter()
                response = await http.get(path, headers=headers[who], params=params)
                latencies.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            results.append((name, total, latencies))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100, help="requests per query")
    args = parser.parse_args()
    name, url = make_database()
    var_dir = Path(f"/tmp/hotline-bench-wb-{os.getpid()}")
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(url, var_dir)
    server = None
    try:
        migrate_and_seed(env)
        started = time.perf_counter()
        load_tickets(url.replace("postgresql+psycopg://", "postgresql://", 1), args.tickets, args.open)
        print(f"loaded {args.tickets} tickets ({args.open} open) in {time.perf_counter() - started:.1f} s")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning", "--no-access-log"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base, server))
        results = asyncio.run(measure(base, args.rounds))
        print(f"one request at a time, {args.rounds} per query; PostgreSQL; 1 uvicorn worker; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{'query':34} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for query, total, ms in results:
            print(f"{query:34} {total:>8} {percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f} {max(ms):>8.1f}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        drop_database(name)


if __name__ == "__main__":
    main()
