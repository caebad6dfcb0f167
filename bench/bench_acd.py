"""Benchmark: our ACD against Asterisk's own app_queue, on the same Asterisk, agents and load.

sipp callers (carrier trunk, 127.0.0.2) arrive at rising call rates; 20 registered sipp
agent phones answer and hang up after a short talk. For every call we take the time from
queue entry to the agent's INVITE (our ACD: the call record's entered_queue_at; app_queue:
a dialplan log line right before Queue()), and a call "fails" if the caller is never
answered by an agent (sipp reports it) or its record is not `answered`. Both systems:
longest-idle agent, same ring timeout, no wrap-up, the caller hears the same greeting and menu
and keys 1, music while waiting, every answered call recorded (ours: the bridge; app_queue:
MixMonitor by the queue's monitor-format). Agents
talk 1 s (--talk-ms): 20 agents take 20 calls/s, so the limit found is the system's, not the
agents'.

Each rate runs ours then app_queue (side by side, the same minute's machine load, printed with
every figure); a system's ladder stops at its first failed call. Then the same ladder for our
ACD with more workers (`--workers 1,2`: calls/s by the number of workers). "Offered twice": a
caller whose call reached an agent's phone more than once (the agents answer every INVITE,
so a second one is a second offer). The summary is a markdown table, ready for
docs/benchmarks.md.

Run (root, with PostgreSQL and Redis; `make bench` runs every bench):
    python bench/bench_acd.py [--rates 2,6,10,16,20,24,28] [--seconds 10] [--agents 20] [--workers 1,2]
Environment: HOTLINE_SIP_PORT / HOTLINE_ARI_PORT / HOTLINE_ASTERISK_ROOT as for the platform,
HOTLINE_BENCH_PG (admin DSN), HOTLINE_BENCH_REDIS (default redis://127.0.0.1:6379/13).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import select

from core.settings import Settings

PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HOTLINE_BENCH_REDIS", "redis://127.0.0.1:6379/13")
PATIENCE_MS = 60_000  # a caller not answered by an agent within this is a failed call
INVITE_LOG = re.compile(r"INVITE \S+\s(\S+)\s(\d+\.\d+) (\d+)")
ENTER_LOG = re.compile(r"HOTLINE-BENCH-ENTER (\d+) (\d+\.\d+)")


class BenchSettings(Settings):
    bench_app_queue: bool = True  # read by pbx.render: app_queue + the 12399 reference route


@dataclass
class StepResult:
    system: str
    rate: float
    calls: int
    failed: int
    latencies_ms: list[float]
    workers: int = 1
    offered_twice: int = 0
    load: float = 0.0  # the machine's 1-minute load average when the step ended

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# ------------------------------------------------------------------ scenarios
def agent_scenario(talk_ms: int) -> str:
    """A phone answering every INVITE at once, logging when it arrived and for whom."""
    from tests.telephony_sipp import _HEAD, _answer_ok, _uas_hangup

    return _HEAD.format(name="bench agent") + """
  <recv request="INVITE">
    <action>
      <ereg regexp="[0-9]{6,}" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="remote_contact"/>
      <log message="INVITE [timestamp] [$caller]"/>
    </action>
  </recv>
""" + _answer_ok() + _uas_hangup(talk_ms)


def caller_scenario(prefix: str, dtmf_pcap: str) -> str:
    """A caller keying 1 in the menu, then waiting (bounded) for the agent's BYE."""
    from tests.telephony_sipp import _HEAD, _ack, _answer_bye, _invite

    number = f"{prefix}[call_number]"
    return _HEAD.format(name="bench caller") + _invite(number, display=number) + """
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
""" + _ack(number, display=number) + f"""  <pause milliseconds="300"/>
  <nop><action><exec play_pcap_audio="{dtmf_pcap}"/></action></nop>
""" + _answer_bye(timeout_ms=PATIENCE_MS) + "</scenario>\n"


# ------------------------------------------------------------------ set-up
def make_database() -> tuple[str, str]:
    name = f"hotline_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    return name, url


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(settings: Settings, agents: int) -> dict[str, int]:
    """Demo data plus bench agents 1006…; returns extension -> user id."""
    from accounts.service import create_user
    from cli.seeding import seed as seed_platform
    from core.resources import Resources
    from models import User
    from organisation.service import unit_by_code

    resources = Resources.open(settings)
    try:
        await seed_platform(resources)
        async with resources.sessionmaker() as session:
            centre = await unit_by_code(session, "SC-12345")
            have = set((await session.scalars(select(User.extension))).all())
            for n in range(1001, 1001 + agents):
                if str(n) not in have:
                    await create_user(session, username=f"bench{n}", password="bench-password-1", role="agent",
                                      org_unit_id=centre.id, extension=str(n))
            await session.commit()
            rows = (await session.execute(select(User.extension, User.id).where(User.role == "agent"))).all()
        return {ext: uid for ext, uid in rows if ext}
    finally:
        await resources.close()


async def acd_agents_ready(settings: Settings, users: dict[str, int], extensions: list[str]) -> None:
    from acd.store import AcdStore
    from core.kv import create_redis

    redis = create_redis(settings.redis.redis_url)
    store = AcdStore(redis)
    try:
        for ext in extensions:
            await store.upsert_profile(user_id=users[ext], username=f"agent{ext}", display_name=ext,
                                       extension=ext, skills=frozenset({"general"}))
            await store.request_state(users[ext], "ready", "", time.time())
        await store.wake("bench")
    finally:
        await redis.aclose()


async def acd_queue_entries(settings: Settings, prefix: str, expected: int) -> tuple[dict[str, float], int]:
    """caller number -> entered_queue_at (epoch s) of the step's calls, and how many failed
    (waits, bounded, until the worker has closed every record of the step)."""
    from core.resources import Resources
    from models import Call

    resources = Resources.open(settings)
    deadline = time.monotonic() + 60
    try:
        while True:
            async with resources.sessionmaker() as session:
                calls = (await session.scalars(select(Call).where(Call.caller_number.startswith(prefix)))).all()
            if (len(calls) >= expected and all(c.ended_at for c in calls)) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)  # the worker finishes records after the BYE; bounded above
    finally:
        await resources.close()
    entries = {c.caller_number: c.entered_queue_at.timestamp() for c in calls if c.entered_queue_at}
    failed = sum(1 for c in calls if c.disposition != "answered")
    return entries, failed


def invite_times(workdir: Path, prefix: str, talk_ms: int) -> tuple[dict[str, float], int]:
    """caller number -> the first INVITE an agent phone received for it (epoch s), and how
    many callers were offered twice at once: two INVITEs closer together than a talk (an agent
    who answered and hung up before the bridge was made sends the caller back to the queue,
    and its next offer is no double one)."""
    times: dict[str, list[float]] = {}
    for log in workdir.glob("agent-*_logs.log"):
        for match in INVITE_LOG.finditer(log.read_text(errors="replace")):
            number, at = match.group(3), float(match.group(2))
            if number.startswith(prefix):
                times.setdefault(number, []).append(at)
    twice = 0
    for offers in times.values():
        offers.sort()
        twice += any(b - a < talk_ms / 1000 for a, b in itertools.pairwise(offers))
    return {number: offers[0] for number, offers in times.items()}, twice


def app_queue_entries(console_log: Path, prefix: str) -> dict[str, float]:
    text = console_log.read_text(errors="replace") if console_log.exists() else ""
    return {m.group(1): float(m.group(2)) for m in ENTER_LOG.finditer(text) if m.group(1).startswith(prefix)}


# ------------------------------------------------------------------ one step
def run_callers(runner, *, prefix: str, service: str, rate: float, calls: int, dtmf_pcap: str):
    from tests.telephony_sipp import CARRIER_IP

    proc = runner.start(caller_scenario(prefix, dtmf_pcap), ip=CARRIER_IP, service=service, calls=calls,
                        rate=rate, name=f"callers-{prefix}", trace=False,
                        extra=("-l", str(max(calls, 1)), "-trace_stat", "-fd", "1"))
    return proc


def sipp_failed(workdir: Path, name: str) -> int:
    """Failed calls from sipp's last statistics line (the -trace_stat CSV)."""
    stats = sorted(workdir.glob(f"{name}_*_.csv"))
    if not stats:
        return -1
    lines = stats[-1].read_text().strip().splitlines()
    header, last = lines[0].split(";"), lines[-1].split(";")
    return int(last[header.index("FailedCall(C)")])


async def run_step(system: str, rate: float, seconds: float, *, settings, runner, workdir: Path,
                   dtmf_pcap: str, step: int, console_log: Path, workers: int = 1, talk_ms: int = 1000) -> StepResult:
    calls = max(1, int(rate * seconds))
    prefix = f"1{step:02d}{0 if system == 'acd' else 9}00"  # step < 100: a unique prefix per step
    service = "12345" if system == "acd" else "12399"
    proc = run_callers(runner, prefix=prefix, service=service, rate=rate, calls=calls, dtmf_pcap=dtmf_pcap)
    try:
        code = await asyncio.to_thread(proc.wait, seconds + PATIENCE_MS / 1000 + 30)
    except AssertionError:  # callers still waiting long after their patience: overloaded
        proc.kill()
        code = -1
    failed = sipp_failed(workdir, proc.name)
    invites, twice = invite_times(workdir, prefix, talk_ms)
    if system == "acd":
        entries, record_failures = await acd_queue_entries(settings, prefix, calls)
        failed = max(failed, record_failures)
    else:
        entries = app_queue_entries(console_log, prefix)
    if code != 0 and failed <= 0:
        failed = 1
    latencies = [(invites[n] - entries[n]) * 1000 for n in entries if n in invites]
    failed = max(failed, calls - len(latencies))
    return StepResult(system, rate, calls, failed, latencies, workers, twice, os.getloadavg()[0])


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "—"


def best_rate(results: list[StepResult], system: str, workers: int = 1) -> float:
    """The highest rate of the ladder below the first failed step (0 if the first failed)."""
    best = 0.0
    for r in sorted((r for r in results if r.system == system and r.workers == workers), key=lambda r: r.rate):
        if r.failed:
            break
        best = r.rate
    return best


def report(results: list[StepResult], worker_counts: list[int]) -> None:
    """The figures as markdown tables (docs/benchmarks.md takes them as they are)."""
    print("\n| calls/s | our ACD p50 / p99 (ms) | app_queue p50 / p99 (ms) | ratio p50 / p99 | failed ours / app_queue "
          "| offered twice | load (1 min) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rate in sorted({r.rate for r in results if r.workers == 1}):
        ours = next((r for r in results if r.rate == rate and r.system == "acd" and r.workers == 1), None)
        theirs = next((r for r in results if r.rate == rate and r.system == "app_queue"), None)
        p = {k: (x.percentile(0.5), x.percentile(0.99)) if x else (None, None)
             for k, x in (("ours", ours), ("theirs", theirs))}
        load = "/".join(f"{x.load:.1f}" for x in (ours, theirs) if x)
        print(f"| {rate:g} | {fmt(p['ours'][0])} / {fmt(p['ours'][1])} | {fmt(p['theirs'][0])} / {fmt(p['theirs'][1])} "
              f"| {ratio(p['ours'][0], p['theirs'][0])} / {ratio(p['ours'][1], p['theirs'][1])} "
              f"| {ours.failed if ours else '—'} / {theirs.failed if theirs else '—'} "
              f"| {ours.offered_twice if ours else '—'} / {theirs.offered_twice if theirs else '—'} | {load} |")
    ours, theirs = best_rate(results, "acd"), best_rate(results, "app_queue")
    print(f"\nHighest rate without a failed call (1 worker, the default): our ACD {ours:g} calls/s, "
          f"app_queue {theirs:g} calls/s (ratio {ratio(ours, theirs)}).")
    if len(worker_counts) > 1:
        print("\n| workers | highest rate without a failed call (calls/s) | p50 / p99 at it (ms) | offered twice "
              "| load (1 min) |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for n in worker_counts:
            rate = best_rate(results, "acd", n)
            at = next((r for r in results if r.system == "acd" and r.workers == n and r.rate == rate), None)
            twice = sum(r.offered_twice for r in results if r.system == "acd" and r.workers == n)
            print(f"| {n} | {rate:g} | {fmt(at and at.percentile(0.5))} / {fmt(at and at.percentile(0.99))} "
                  f"| {twice} | {at.load if at else 0:.1f} |")


# ------------------------------------------------------------------ main
async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="2,6,10,16,20,24,28",
                        help="the ladder, climbed until a system fails a call")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each step")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--talk-ms", type=int, default=1000,
                        help="how long an agent talks before hanging up (20 agents × 1 s: 20 calls/s)")
    parser.add_argument("--systems", default="acd,app_queue", help="which to run: acd, app_queue or both")
    parser.add_argument("--workers", default="1,2",
                        help="numbers of workers to climb the ladder with (our ACD; 1 is the comparison run)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    worker_counts = sorted({int(n) for n in args.workers.split(",")} | {1})
    systems = [name for name in ("acd", "app_queue") if name in args.systems.split(",")]
    if os.geteuid() != 0:
        print("bench_acd: needs root (Asterisk runs chrooted); skipped")
        return 0

    import tempfile

    from core.migrate import upgrade
    from pbx import layout, process
    from pbx.seat_secrets import load_seat_passwords
    from tests.telephony_fixtures import WorkerPool, free_tcp_port
    from tests.telephony_sipp import SippRunner, write_dtmf_pcap

    workdir = Path(tempfile.mkdtemp(prefix="bench-acd-"))
    db_name, db_url = make_database()
    settings = BenchSettings(
        database_url=db_url, redis_url=REDIS_URL, secret_key="bench-secret-key-0123456789abcdef",
        demo_password="bench-demo-pass", var_dir=workdir / "var", prompts_dir=workdir / "prompts",
        recordings_dir=workdir / "recordings", wrap_up_seconds=0, log_json=False, log_level="WARNING",
        fastagi_port=free_tcp_port(), prompts_file=Path(__file__).resolve().parent.parent / "tests/telephony/prompts.yaml")
    upgrade(db_url)
    users = await seed(settings, args.agents)
    started = process.running_pid(settings) is None
    process.start(settings, timeout=90)
    console_log = layout(settings).host_dir("log") / "console.log"
    import redis as redis_sync

    redis = redis_sync.Redis.from_url(REDIS_URL, decode_responses=True)
    redis.flushdb()
    pool = WorkerPool(settings, workdir, redis)
    if os.environ.get("HOTLINE_BENCH_PROFILE"):  # the worker under cProfile, for where time goes
        pool.python_args = ["-m", "cProfile", "-o", os.environ["HOTLINE_BENCH_PROFILE"]]
    runner = SippRunner(workdir=workdir, target=f"{settings.telephony.sip_host}:{settings.telephony.sip_port}")
    results: list[StepResult] = []
    try:
        pool.start("bench")
        extensions = [str(n) for n in range(1001, 1001 + args.agents)]
        passwords = load_seat_passwords(settings)
        for ext in extensions:
            port = runner.register(ext, passwords[ext])
            runner.start(agent_scenario(args.talk_ms), ip="127.0.0.1", port=port, target=False, calls=100_000,
                         name=f"agent-{ext}", trace=False, extra=("-trace_logs",))
        dtmf = str(write_dtmf_pcap(workdir / "dtmf1.pcap", "1", index=0))
        await acd_agents_ready(settings, users, extensions)
        step = 0

        async def one(system: str, rate: float, workers: int) -> StepResult:
            nonlocal step
            step += 1
            result = await run_step(system, rate, args.seconds, settings=settings, runner=runner, workdir=workdir,
                                    dtmf_pcap=dtmf, step=step, console_log=console_log, workers=workers,
                                    talk_ms=args.talk_ms)
            results.append(result)
            print(f"{system:9s} {workers} worker(s) {rate:5.1f}/s {result.calls:4d} calls  "
                  f"p50 {fmt(result.percentile(0.5))} ms  p99 {fmt(result.percentile(0.99))} ms  "
                  f"failed {result.failed}  offered twice {result.offered_twice}  load {result.load:.2f}", flush=True)
            return result

        running = set(systems)
        for rate in rates:  # side by side: ours, then app_queue, at each rate
            for system in systems:
                if system in running and (await one(system, rate, 1)).failed:
                    running.discard(system)
        if "acd" in systems:
            for n in worker_counts[1:]:
                while len(pool.alive) < n:
                    pool.start(f"bench{len(pool.processes) + 1}")
                for rate in rates:
                    if (await one("acd", rate, n)).failed:
                        break
    finally:
        runner.close()
        pool.stop_all()
        redis.close()
        if started:
            process.stop(settings)
        drop_database(db_name)
        shutil.rmtree(layout(settings).host_dir("spool") / "monitor", ignore_errors=True)  # app_queue's recordings
    report(results, worker_counts)
    print(f"(logs in {workdir}; load = the machine's 1-minute load average as each step ended)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
