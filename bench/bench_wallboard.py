"""Benchmark: N wallboard websocket clients (default 500); time from a call event to every client
having the update.

Starts the API (uvicorn) and the stats worker (`hotline stats`) as subprocesses against a throwaway
PostgreSQL database (a day of calls and 60 signed-in agents loaded, so payloads have a real size),
connects the clients to /ws/wallboard as a supervisor, then measures two paths:

  end-to-end  a call row is written (as the ARI worker does) and `call.ended` is published on the
              bus → the stats worker recomputes → `stats.updated` → gateway → every client;
  fan-out     a `stats.updated` of the same size published straight on the bus → every client.

For each event: the time until EVERY client has it (the wallboard requirement: within 1 s), and
the per-client delivery times. Everything started is stopped, and the database dropped, at the end.

Run: python bench/bench_wallboard.py [--clients 500] [--rounds 40]
Env: HOTLINE_BENCH_PG (admin DSN, default postgresql://postgres@127.0.0.1:5432/postgres),
     HOTLINE_BENCH_REDIS (default redis://127.0.0.1:6379/12).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
import psycopg
import websockets

from acd.store import AcdStore
from cli.seeding import seed
from core.migrate import upgrade
from core.resources import Resources
from core.settings import Settings
from core.timeutil import utcnow
from events.bus import EventBus
from models.call import Call
from stats import service
from stats.config import StatsConfig

PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HOTLINE_BENCH_REDIS", "redis://127.0.0.1:6379/12")
DEMO_PASSWORD = "bench-demo-pass"
ROUND_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# --- the throwaway platform --------------------------------------------------------------------

class Platform:
    """A database, the API and the stats worker, all stopped and removed by close()."""

    def __init__(self, ws: str = "auto") -> None:
        self.ws = ws
        self.pid = os.getpid()
        self.db_name = f"hotline_bench_{self.pid}"
        self.port = free_port()
        self.var = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        self.settings = Settings(_env_file=None, database_url=f"{base}/{self.db_name}", redis_url=REDIS_URL,
                                 demo_password=DEMO_PASSWORD, secret_key=secrets.token_urlsafe(32),
                                 events_channel=f"hotline:bench:{self.pid}", var_dir=self.var,
                                 stats_alarm_interval_seconds=3600, log_level="WARNING")
        self.children: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        s = self.settings
        return {**os.environ, "HOTLINE_DATABASE_URL": s.database.database_url, "HOTLINE_REDIS_URL": REDIS_URL,
                "HOTLINE_SECRET_KEY": s.security.secret_key.get_secret_value(), "HOTLINE_EVENTS_CHANNEL": s.redis.events_channel,
                "HOTLINE_DEMO_PASSWORD": DEMO_PASSWORD, "HOTLINE_VAR_DIR": str(self.var), "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_STATS_ALARM_INTERVAL_SECONDS": "3600", "PYTHONPATH": str(ROOT)}

    def create_database(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        upgrade(self.settings.database.database_url)

    def start(self) -> None:
        api = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
               "--log-level", "warning", "--no-access-log", "--ws", self.ws]
        worker = [sys.executable, "-m", "cli.main", "stats"]
        for command in (api, worker):
            self.children.append(subprocess.Popen(command, cwd=ROOT, env=self.env()))

    async def wait_ready(self) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as http:
            async with asyncio.timeout(60):
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get("/readyz")).status_code == 200:
                            return
                    await asyncio.sleep(0.2)  # bounded poll for the server to come up

    def close(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        for path in sorted(self.var.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        self.var.rmdir()


def call_row(now, rnd: random.Random, serial: int, *, answered: bool | None = None, ago: float | None = None) -> Call:
    entered = now - timedelta(seconds=ago if ago is not None else rnd.uniform(60, 6 * 3600))
    wait = min(rnd.expovariate(1 / 12), (ago or 3600) / 2)  # answered before now: offered, not still waiting
    answered = rnd.random() < 0.93 if answered is None else answered
    queue = rnd.choice(("general", "general", "general", "enterprise", "expert:housing", "expert:market"))
    return Call(channel_id=f"bench-{serial}", app="hotline", caller_number="13800000000", phase="ended",
                queue=queue, started_at=entered - timedelta(seconds=8), entered_queue_at=entered,
                answered_at=entered + timedelta(seconds=wait) if answered else None,
                ended_at=entered + timedelta(seconds=wait + (rnd.uniform(60, 400) if answered else 0)),
                disposition="answered" if answered else "abandoned")


BENCH_AGENT_IDS = range(900_000, 900_060)


async def load_day(resources: Resources, count: int) -> None:
    """A realistic day so far: calls over six hours, 60 agents signed in to the ACD."""
    rnd, now = random.Random(12345), utcnow()
    async with resources.sessionmaker() as session:
        session.add_all(call_row(now, rnd, i) for i in range(count))
        await session.commit()
    acd = AcdStore(resources.redis)
    for i, user_id in enumerate(BENCH_AGENT_IDS):
        await acd.upsert_profile(user_id=user_id, username=f"bench{i}", display_name=f"话务员{i:03d}",
                                 extension=str(3000 + i), skills=frozenset({"general"}))
        await acd.request_state(user_id, rnd.choice(("ready", "not_ready")), "小休", now.timestamp() - rnd.uniform(0, 900))


async def cleanup_acd(resources: Resources) -> None:
    acd = AcdStore(resources.redis)
    await resources.redis.srem(acd.agents_key, *(str(i) for i in BENCH_AGENT_IDS))
    await resources.redis.delete(*(acd.agent_key(i) for i in BENCH_AGENT_IDS))


# --- the clients -------------------------------------------------------------------------------

class Client:
    """One wallboard: authenticates, answers pings, timestamps every stats.updated on arrival."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.updates: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, max_size=8 * 2**20, open_timeout=30, ping_interval=None)
        await self.ws.send(json.dumps({"v": 1, "op": "auth", "data": {"token": self.token}}))
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
        assert welcome["op"] == "welcome", welcome
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for raw in self.ws:
            at = time.perf_counter()  # before any parsing: the client's own cost stays out of the figure
            if '"stats.updated"' in raw:
                self.updates.append((at, raw))
                self.arrived.set()
            elif '"op":"ping"' in raw:
                await self.ws.send('{"v":1,"op":"pong"}')

    async def close(self) -> None:
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.ws.close()


async def connect_all(url: str, token: str, count: int) -> list[Client]:
    clients = [Client(url, token) for _ in range(count)]
    for start in range(0, count, 50):  # 50 at a time: a fleet of screens coming up
        await asyncio.gather(*(c.connect() for c in clients[start:start + 50]))
    return clients


def centre_offered(raw: str) -> int:
    """The centre's offered-today figure in a stats.updated frame (the centre precedes the segments)."""
    at = raw.index('"today":{"offered":') + len('"today":{"offered":')
    return int(raw[at:raw.index(",", at)])


async def one_round(clients: list[Client], publish, until=lambda raw: True) -> list[float]:
    """Publish once; per client, seconds until the first stats.updated satisfying `until` arrived
    (earlier, stale updates — e.g. a periodic pass already on its way — do not count)."""
    marks = [len(c.updates) for c in clients]
    sent = time.perf_counter()
    await publish()
    latencies = []
    async with asyncio.timeout(ROUND_TIMEOUT):
        for client, mark in zip(clients, marks, strict=True):
            while True:
                hit = next((at for at, raw in client.updates[mark:] if until(raw)), None)
                if hit is not None:
                    break
                mark = len(client.updates)
                client.arrived.clear()
                await client.arrived.wait()
            latencies.append(hit - sent)
    return latencies


async def recompute_time(resources: Resources, settings: Settings) -> None:
    """How long the worker's recomputation itself takes (the share of end-to-end spent in the database)."""
    config, acd, spent = StatsConfig.from_settings(settings), AcdStore(resources.redis), []
    async with resources.sessionmaker() as session:
        for _ in range(20):
            started = time.perf_counter()
            await service.wallboard_figures(session, acd, now=utcnow(), config=config)
            spent.append((time.perf_counter() - started) * 1000)
    print(f"worker recomputation (figures of every segment, 3 windows, chart): p50 {percentile(spent, 50):.1f} ms  "
          f"p99 {percentile(spent, 99):.1f} ms")


def report(name: str, rounds: list[list[float]]) -> dict[str, float]:
    every = [max(r) * 1000 for r in rounds]
    each = [x * 1000 for r in rounds for x in r]
    row = {"all_p50": percentile(every, 50), "all_p99": percentile(every, 99), "all_max": max(every),
           "each_p50": percentile(each, 50), "each_p99": percentile(each, 99)}
    print(f"{name:<11} every client has it: p50 {row['all_p50']:7.1f} ms  p99 {row['all_p99']:7.1f} ms  "
          f"max {row['all_max']:7.1f} ms | per client: p50 {row['each_p50']:7.1f} ms  p99 {row['each_p99']:7.1f} ms")
    return row


async def bench(clients_count: int, rounds: int, calls_today: int, ws: str) -> None:
    platform = Platform(ws)
    print(f"throwaway database {platform.db_name}; API on 127.0.0.1:{platform.port} (uvicorn --ws {ws}); "
          f"{clients_count} clients; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    platform.create_database()
    resources = Resources.open(platform.settings)
    clients: list[Client] = []
    try:
        await seed(resources)
        await load_day(resources, calls_today)
        platform.start()
        await platform.wait_ready()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{platform.port}") as http:
            login = await http.post("/api/v1/auth/token", data={"username": "supervisor", "password": DEMO_PASSWORD})
            token = login.json()["access_token"]
            snapshot = (await http.get("/api/v1/stats/wallboard", headers={"Authorization": f"Bearer {token}"})).json()
        started = time.perf_counter()
        clients = await connect_all(f"ws://127.0.0.1:{platform.port}/ws/wallboard", token, clients_count)
        print(f"{len(clients)} clients connected and authenticated in {time.perf_counter() - started:.1f} s")
        bus = EventBus.for_resources(resources)
        rnd, offered = random.Random(7), snapshot["centre"]["today"]["offered"]
        end_to_end = []
        for i in range(rounds):
            async with resources.sessionmaker() as session:  # the ARI worker writes the call, then publishes
                session.add(call_row(utcnow(), rnd, 10**6 + i, answered=True, ago=40))
                await session.commit()

            async def call_event(i=i):
                await bus.publish("call.ended", {"call_id": 10**6 + i, "queue": "general"})
            expected = offered + i + 1
            end_to_end.append(await one_round(clients, call_event, lambda raw, n=expected: centre_offered(raw) >= n))
            await asyncio.sleep(0.1)  # let the worker's coalescing gap pass: one event, one update
        size = len(clients[-1].updates[-1][1])
        payload = json.loads(clients[-1].updates[-1][1])["data"]["data"]
        fan_out = []
        for k in range(rounds):
            marked = {"bench_round": k, **payload}
            fan_out.append(await one_round(clients, lambda marked=marked: bus.publish("stats.updated", marked),
                                           lambda raw, k=k: f'"bench_round":{k},' in raw))
        print(f"stats.updated frame: {size / 1024:.1f} KiB; {rounds} events per path")
        await recompute_time(resources, platform.settings)
        report("end-to-end", end_to_end)
        report("fan-out", fan_out)
    finally:
        await asyncio.gather(*(c.close() for c in clients))
        platform.close()
        with contextlib.suppress(Exception):
            await cleanup_acd(resources)
        await resources.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=3000, help="calls already taken today")
    parser.add_argument("--ws", default="auto", help="uvicorn websocket implementation (`hotline serve` uses auto)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.clients * 2 + 256)), hard))
    asyncio.run(bench(args.clients, args.rounds, args.calls, args.ws))


if __name__ == "__main__":
    main()
