"""Benchmark: citizen portal submissions per second (POST /api/v1/public/requests).

Makes a throw-away database, migrates and seeds it, starts the API with uvicorn in a subprocess
(the proof-of-work challenge off, the per-address limit raised: one load generator stands for
many citizens), then keeps `--concurrency` submissions in flight for `--duration` seconds — each
a complete request (a ticket timed from its submission) with `--files` PNG attachments of
`--file-bytes` each, or, with --incomplete, one without an address (the intake queue) — and
prints submissions/s, latency percentiles and the server's CPU per submission. Separately it
times solving one challenge at HOTLINE_PORTAL_CHALLENGE_BITS in Python (what an integration
pays; the page's JavaScript is of the same order). Everything it started is stopped and the
database dropped.

Run: python bench/bench_portal.py [--concurrency 8] [--duration 20] [--files 1] [--file-bytes 200000]
Env: HOTLINE_TEST_PG (admin DSN), HOTLINE_BENCH_REDIS (Redis URL for the server; unset = in-process stand-in).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_tickets import (  # found through the path set above
    cpu_seconds,
    drop_database,
    free_port,
    make_database,
    migrate_and_seed,
    percentile,
    server_env,
    wait_ready,
)
from portal import challenge

CONTENTS = ("小区楼下烧烤油烟扰民，每晚到凌晨", "道路井盖破损有安全隐患", "公交站台顶棚漏雨", "路灯连续一周不亮",
            "菜市场周边占道经营严重", "楼上装修噪音超时施工")


def fields(i: int, incomplete: bool) -> dict:
    data = {"name": "市民", "phone": f"139{i % 100_000_000:08d}", "category": "complaint", "region_code": "510107",
            "address": f"成都市武侯区玉林北路{i % 200}号", "content": f"{CONTENTS[i % len(CONTENTS)]}（第{i}条）",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "confidential": "false"}
    if incomplete:
        del data["address"]
    return data


async def drive(base: str, concurrency: int, duration: float, files: int, file_bytes: int,
                incomplete: bool) -> tuple[list[float], int, float]:
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(max(file_bytes - 8, 0))
    latencies: list[float] = []
    errors = 0
    counter = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for i in range(5):  # warm-up
            await http.post("/api/v1/public/requests", data=fields(i, incomplete))
        started = time.monotonic()
        deadline = started + duration

        async def worker() -> None:
            nonlocal errors, counter
            while time.monotonic() < deadline:
                counter += 1
                attached = [("attachments", (f"照片{k}.png", png, "image/png")) for k in range(files)]
                begin = time.monotonic()
                response = await http.post("/api/v1/public/requests", data=fields(counter, incomplete),
                                           files=attached or None)
                if response.status_code == 201:
                    latencies.append(time.monotonic() - begin)
                else:
                    errors += 1
                    if errors < 3:
                        print("error:", response.status_code, response.text[:200])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return latencies, errors, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="submissions in flight")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--files", type=int, default=1, help="attachments per submission (0-5)")
    parser.add_argument("--file-bytes", type=int, default=200_000, help="size of each attachment")
    parser.add_argument("--incomplete", action="store_true", help="leave out the address: the intake queue")
    parser.add_argument("--bits", type=int, default=16, help="challenge difficulty timed in Python")
    args = parser.parse_args()
    name, url = make_database()
    port = free_port()
    var_dir = Path(f"/tmp/hotline-bench-portal-{os.getpid()}")
    env = server_env(url, var_dir) | {"HOTLINE_PORTAL_CHALLENGE": "false",
                                      "HOTLINE_PORTAL_SUBMISSIONS_PER_HOUR": "100000000"}
    server = None
    var_dir.mkdir(parents=True, exist_ok=True)
    server_log = (var_dir / "server.log").open("w")
    try:
        migrate_and_seed(env)
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning", "--no-access-log"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base, server))
        cpu_before = cpu_seconds(server.pid)
        latencies, errors, elapsed = asyncio.run(drive(base, args.concurrency, args.duration, args.files,
                                                       args.file_bytes, args.incomplete))
        cpu = cpu_seconds(server.pid) - cpu_before
        ms = [v * 1000 for v in latencies]
        done = len(ms)
        kind = "incomplete (intake queue)" if args.incomplete else "complete (timed ticket)"
        print(f"portal submissions, {kind}, {args.files} × {args.file_bytes} B attachments: {done} in {elapsed:.1f} s "
              f"= {done / elapsed:.1f}/s at concurrency {args.concurrency}, {errors} errors; PostgreSQL; 1 uvicorn "
              f"worker; {'Redis' if 'HOTLINE_REDIS_URL' in env else 'in-process Redis stand-in'}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"server CPU per submission: {cpu / max(done + errors, 1) * 1000:.1f} ms")
        if ms:
            print(f"latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  "
                  f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}  mean {statistics.fmean(ms):.1f}")
        token = challenge.issue(b"bench-key", bits=args.bits, now=int(time.time()), ttl=60).token
        begin = time.monotonic()
        challenge.solve(token, args.bits)
        print(f"one proof-of-work challenge at {args.bits} bits solved in Python in "
              f"{(time.monotonic() - begin) * 1000:.0f} ms (expected 2^{args.bits} hashes)")
        if errors:
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
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
