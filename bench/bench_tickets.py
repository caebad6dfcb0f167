"""Benchmark: ticket creation latency (POST /api/v1/tickets) at a steady request rate against PostgreSQL.

Makes a throw-away database, migrates and seeds it, starts the API with uvicorn in a
subprocess on a free port, signs in as an agent, then sends requests open-loop (a new
request every 1/rate s whether or not earlier ones returned) for the given duration and
prints p50/p95/p99 latency. Everything it started is stopped and the database dropped.

Run: python bench/bench_tickets.py [--rate 50] [--duration 20]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_REDIS (Redis URL for the server; unset = in-process stand-in, one worker).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_DSN = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "bench-demo-pass"
CONTENTS = ("小区电梯故障一周无人维修", "夜间施工噪音扰民", "路灯不亮存在安全隐患", "小区停水两天", "商家拒不退款",
            "公交站台破损", "垃圾清运不及时", "物业乱收费")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_database() -> tuple[str, str]:
    name = f"hotline_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    return name, url


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_DATABASE_URL=url, HOTLINE_DEMO_PASSWORD=DEMO_PASSWORD, HOTLINE_ADMIN_PASSWORD="bench-admin-pass",
               HOTLINE_SECRET_KEY="bench-secret-key-0123456789-abcdefghijkl", HOTLINE_LOG_LEVEL="WARNING",
               HOTLINE_VAR_DIR=str(var_dir), HOTLINE_LOGIN_MAX_FAILURES="1000")
    if os.environ.get("HOTLINE_BENCH_REDIS"):
        env["HOTLINE_REDIS_URL"] = os.environ["HOTLINE_BENCH_REDIS"]
    return env


def migrate_and_seed(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "cli.main", "migrate", "--seed"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


async def wait_ready(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("uvicorn exited before becoming ready")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("uvicorn did not become ready")


def body(i: int) -> dict:
    return {"channel": "phone", "caller": {"name": "压测", "phone": f"138{i:08d}"[:11], "confidential": False},
            "content": f"{CONTENTS[i % len(CONTENTS)]}（第{i}号）", "category": "help", "address": "成都市武侯区玉林街道",
            "region_code": "510107", "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "domain": "housing"}


async def drive(base: str, rate: float, duration: float) -> tuple[list[float], int, float]:
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        token = (await http.post("/api/v1/auth/token",
                                 data={"username": "agent1001", "password": DEMO_PASSWORD})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(10):  # warm-up (calendar cache, connection pool, jieba not involved)
            await http.post("/api/v1/tickets", headers=headers, json=body(i))
        latencies: list[float] = []
        errors = 0
        kinds: Counter[str] = Counter()

        async def one(i: int, scheduled: float) -> None:
            nonlocal errors
            try:
                response = await http.post("/api/v1/tickets", headers=headers, json=body(i))
            except httpx.HTTPError as error:  # the server fell so far behind that the client gave up
                errors += 1
                kinds[type(error).__name__] += 1
                return
            if response.status_code == 201:
                latencies.append(time.perf_counter() - scheduled)  # from the planned send time: no coordinated omission
            else:
                errors += 1
                kinds[f"{response.status_code} {response.text[:120]}"] += 1

        tasks, start, count = [], time.perf_counter(), int(rate * duration)
        for i in range(count):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(1000 + i, scheduled)))
        await asyncio.gather(*tasks)
        for kind, count in kinds.most_common(5):
            print(f"error x{count}: {kind}")
        return latencies, errors, time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (uvicorn workers), from /proc."""
    total = 0.0
    pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()] \
        if Path(f"/proc/{pid}/task/{pid}/children").exists() else [pid]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (>1 needs Redis)")
    args = parser.parse_args()
    name, url = make_database()
    port = free_port()
    var_dir = Path(f"/tmp/hotline-bench-{os.getpid()}")
    env = server_env(url, var_dir)
    server = None
    var_dir.mkdir(parents=True, exist_ok=True)
    server_log = (var_dir / "server.log").open("w")
    try:
        migrate_and_seed(env)
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning", "--no-access-log",
                                   "--workers", str(args.workers)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base, server))
        cpu_before = cpu_seconds(server.pid)
        latencies, errors, elapsed = asyncio.run(drive(base, args.rate, args.duration))
        cpu = cpu_seconds(server.pid) - cpu_before
        ms = [v * 1000 for v in latencies]
        sent = len(ms) + errors
        print(f"ticket creation, {sent} requests in {elapsed:.1f} s ({sent / elapsed:.1f}/s, offered {args.rate:g}/s), "
              f"{errors} errors; PostgreSQL; {args.workers} uvicorn worker(s); "
              f"{'Redis' if 'HOTLINE_REDIS_URL' in env else 'in-process Redis stand-in'}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"server CPU per request: {cpu / max(sent, 1) * 1000:.1f} ms (incl. the 10 warm-up requests and login)")
        if ms:
            print(f"latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  "
                  f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}  mean {statistics.fmean(ms):.1f}")
        if errors:
            server_log.flush()
            tail = [line[:300] for line in (var_dir / "server.log").read_text().splitlines()[-5:]]
            print("server log (tail):", *tail, sep="\n  ")
            sys.exit(1)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        server_log.close()
        drop_database(name)
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)


if __name__ == "__main__":
    main()
