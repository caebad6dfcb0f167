"""Benchmark: ticket creation latency (POST /api/v1/tickets) at a steady request rate against PostgreSQL.

Makes a throw-away database, migrates and seeds it, starts the API with uvicorn in a
subprocess on a free port, signs in as an agent, then sends requests open-loop (a new
request every 1/rate s whether or not earlier ones returned) for the given duration and
prints p50/p95/p99 latency. Everything it started is stopped and the database dropped.

Run: python bench/bench_tickets.py [--rate 200] [--duration 20] [--workers 2] [--profile DIR]
Env: HOTLINE_TEST_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_REDIS (Redis URL for the servers; unset: redis://127.0.0.1:6379/15 with
     several workers, the in-process stand-in with one).
Prints a markdown table row: offered and sustained rate, p50/p95/p99, server CPU per creation,
and the machine's load average before and after (the figures mean little without it).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
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


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken by hand: httpx's pool costs the client more CPU per
    request than the server at a few hundred requests a second (its queue handling is quadratic),
    which measured the client, not the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, headers: dict[str, str], payload: dict) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(payload, ensure_ascii=False).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        length, keep = 0, True
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                keep = False
        body = await self.reader.readexactly(length)
        if not keep:
            await self.close()
        return int(status_line.split()[1]), body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def drive(base: str, rate: float, duration: float,
                connections: int = 64) -> tuple[list[float], int, float, Counter[str]]:
    """Open-loop load: request i is due at start + i/rate; a free connection of the pool sends it
    (latency from the due time, so a queue in front of the server counts: no coordinated omission)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = (await http.post("/api/v1/auth/token",
                                 data={"username": "agent1001", "password": DEMO_PASSWORD})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(10):  # warm-up (calendar cache, connection pool)
            await http.post("/api/v1/tickets", headers=headers, json=body(i))
    host, port = base.removeprefix("http://").split(":")
    pool = [Connection(host, int(port)) for _ in range(connections)]
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    kinds: Counter[str] = Counter()

    async def sender(connection: Connection) -> None:
        while (item := await due.get()) is not None:
            i, scheduled = item
            try:
                status, answer = await connection.post("/api/v1/tickets", headers, body(i))
            except (OSError, asyncio.IncompleteReadError, ConnectionError) as error:
                kinds[type(error).__name__] += 1
                await connection.close()
                continue
            if status == 201:
                latencies.append(time.perf_counter() - scheduled)
            else:
                kinds[f"{status} {answer[:120].decode(errors='replace')}"] += 1
        await connection.close()

    senders = [asyncio.create_task(sender(c)) for c in pool]
    start, count = time.perf_counter(), int(rate * duration)
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((1000 + i, scheduled))
    for _ in pool:
        due.put_nowait(None)
    await asyncio.gather(*senders)
    return latencies, sum(kinds.values()), time.perf_counter() - start, kinds


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


def worker_pids(pid: int) -> list[int]:
    """uvicorn's serving processes: the master's children that are not multiprocessing's helpers."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [p for p in pids if "resource_tracker" not in Path(f"/proc/{p}/cmdline").read_text()] or [pid]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (>1 needs Redis)")
    parser.add_argument("--connections", type=int, default=64, help="client keep-alive connections")
    parser.add_argument("--profile", type=Path, help="py-spy every worker during the load; flame graphs here")
    args = parser.parse_args()
    name, url = make_database()
    port = free_port()
    var_dir = Path(f"/tmp/hotline-bench-{os.getpid()}")
    env = server_env(url, var_dir)
    if args.workers > 1 and "HOTLINE_REDIS_URL" not in env:  # the in-process stand-in is per process
        env["HOTLINE_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    server = None
    var_dir.mkdir(parents=True, exist_ok=True)
    server_log = (var_dir / "server.log").open("w")
    profilers: list[subprocess.Popen] = []
    try:
        migrate_and_seed(env)
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning", "--no-access-log",
                                   "--workers", str(args.workers)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base, server))
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(server.pid)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            profilers = [subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid),
                                           "-d", str(int(args.duration) + 5), "-r", "100", "--nonblocking",
                                           "-o", str(args.profile / f"worker-{pid}.svg")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for pid in worker_pids(server.pid)]
        latencies, errors, elapsed, kinds = asyncio.run(drive(base, args.rate, args.duration, args.connections))
        cpu = cpu_seconds(server.pid) - cpu_before
        for kind, count in kinds.most_common(5):
            print(f"error x{count}: {kind}")
        ms = [v * 1000 for v in latencies]
        sent = len(ms) + errors
        redis_kind = "Redis" if "HOTLINE_REDIS_URL" in env else "in-process Redis stand-in"
        print(f"\nticket creation (POST /api/v1/tickets), PostgreSQL, {redis_kind}, {args.workers} uvicorn "
              f"worker(s), {args.connections} client connections, open loop; {os.cpu_count()} CPUs\n")
        print("| offered | sent | sustained (201/s) | errors | p50 | p95 | p99 | max | server CPU per creation "
              "| load (1 min) before → after |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        if ms:
            print(f"| {args.rate:g}/s | {sent} | {len(ms) / elapsed:.1f}/s | {errors} | {percentile(ms, 50):.1f} ms "
                  f"| {percentile(ms, 95):.1f} ms | {percentile(ms, 99):.1f} ms | {max(ms):.1f} ms "
                  f"| {cpu / max(sent, 1) * 1000:.1f} ms | {load_before:.2f} → {os.getloadavg()[0]:.2f} |")
        if errors:
            server_log.flush()
            tail = [line[:300] for line in (var_dir / "server.log").read_text().splitlines()[-5:]]
            print("server log (tail):", *tail, sep="\n  ")
            sys.exit(1)
    finally:
        for profiler in profilers:
            try:
                profiler.wait(timeout=30)
            except subprocess.TimeoutExpired:
                profiler.kill()
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
