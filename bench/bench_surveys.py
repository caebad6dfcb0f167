"""Benchmark: how many satisfaction-survey calls (R-16) one ARI worker runs at once.

One `hotline worker` on a real Asterisk; a sipp "citizen" behind the carrier address answers
every survey call, keys 1 three times while the questions play (after 3 s, 2 s, 2 s) and waits
for the platform's BYE. Each step puts N completed tickets' surveys due at the same moment
(HOTLINE_SURVEY_MAX_CHANNELS is set above N) and wakes the dialer; a step holds when every
survey ends `done` with its three answers within the bound. Printed per step: the peak of
surveys on the line at once, the mean and longest survey call, the worker's CPU share.
The figure is the largest N that held (bounded by the Asterisk's RTP port range:
(HOTLINE_RTP_END - HOTLINE_RTP_START) / 2 channels).

Run (root, with PostgreSQL and Redis):
    python bench/bench_surveys.py [--steps 5,10,20,40,80] [--bound 120]
Environment: HOTLINE_SIP_PORT / HOTLINE_ARI_PORT / HOTLINE_ASTERISK_ROOT / HOTLINE_RTP_START /
HOTLINE_RTP_END / HOTLINE_PSTN_ADDRESS as for the platform, HOTLINE_BENCH_PG (admin DSN),
HOTLINE_BENCH_REDIS (default redis://127.0.0.1:6379/13).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.bench_acd import REDIS_URL, drop_database, make_database
from core.settings import Settings


def citizen_scenario(workdir: Path) -> str:
    from tests.callbacks.helpers import keying_citizen

    return keying_citizen([(3000, "1"), (2000, "1"), (2000, "1")], workdir)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime, stime and the waited-for children's (espeak-ng speaking each greeting)
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def make_tickets(resources, n: int, step: int) -> list[int]:
    """n completed tickets (one caller each), straight into the database."""
    from core.timeutil import utcnow
    from models import Ticket, TicketCaller, TimeLimitPolicyVersion

    async with resources.sessionmaker() as session:
        version = await session.scalar(select(TimeLimitPolicyVersion.version).limit(1))
        ids = []
        now = utcnow()
        for i in range(n):
            ticket = Ticket(number=f"5101-BENCH{step:02d}-{i:06d}", status="completed", channel="phone",
                            category="help", content=f"第{i}号测试诉求，小区路灯损坏", region_code="510107",
                            received_at=now, policy_version=version, completed_at=now, callback_round=1)
            session.add(ticket)
            await session.flush()
            session.add(TicketCaller(ticket_id=ticket.id, phone=f"1390{step:02d}{i:05d}", source_ticket_id=ticket.id))
            ids.append(ticket.id)
        await session.commit()
        return ids


async def run_step(n: int, step: int, *, resources, settings, worker_pid: int, bound: float) -> dict:
    from callbacks import service
    from callbacks.tasks import wake_dialers
    from core.timeutil import utcnow
    from models import CallbackSurvey

    ids = await make_tickets(resources, n, step)
    async with resources.sessionmaker() as session:
        for ticket_id in ids:
            await service.plan_surveys(session, resources.redis, settings, now=utcnow(), ticket_id=ticket_id)
        await service.run_now(session, now=utcnow())
        await session.commit()
    cpu0, t0 = cpu_seconds(worker_pid), time.monotonic()
    await wake_dialers(resources.redis)
    peak, done = 0, 0
    while time.monotonic() - t0 < bound:
        async with resources.sessionmaker() as session:
            rows = dict((await session.execute(
                select(CallbackSurvey.status, func.count()).where(CallbackSurvey.ticket_id.in_(ids))
                .group_by(CallbackSurvey.status))).all())
        peak = max(peak, rows.get("calling", 0))
        done = sum(v for k, v in rows.items() if k not in ("calling", "scheduled"))
        if done == n:
            break
        await asyncio.sleep(0.2)  # sampling the surveys' states, bounded by `bound`
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(worker_pid) - cpu0
    async with resources.sessionmaker() as session:
        surveys = (await session.scalars(select(CallbackSurvey).where(CallbackSurvey.ticket_id.in_(ids)))).all()
        from models import Call

        calls = (await session.scalars(select(Call).where(Call.id.in_([s.call_id for s in surveys if s.call_id]))
                                       )).all()
    complete = sum(1 for s in surveys if s.status == "done" and s.answers == {"speed": "1", "resolution": "1",
                                                                              "overall": "1"})
    lengths = [(c.ended_at - c.answered_at).total_seconds() for c in calls if c.ended_at and c.answered_at]
    return {"n": n, "complete": complete, "peak": peak, "elapsed": elapsed, "cpu": cpu / elapsed if elapsed else 0,
            "mean": sum(lengths) / len(lengths) if lengths else 0.0, "max": max(lengths, default=0.0)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="5,10,20,40,80")
    parser.add_argument("--bound", type=float, default=120.0, help="seconds a step may take")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_surveys: needs root (Asterisk runs chrooted); skipped")
        return 0
    import redis as redis_sync

    from core.migrate import upgrade
    from core.resources import Resources
    from pbx import process
    from pbx.render import split_host_port
    from tests.telephony_fixtures import WorkerPool, free_tcp_port
    from tests.telephony_sipp import SippRunner

    steps = [int(s) for s in args.steps.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench-surveys-"))
    db_name, db_url = make_database()
    settings = Settings(
        database_url=db_url, redis_url=REDIS_URL, secret_key="bench-secret-key-0123456789abcdef",
        demo_password="bench-demo-pass", var_dir=workdir / "var", prompts_dir=workdir / "prompts",
        recordings_dir=workdir / "recordings", log_json=False, log_level="WARNING", fastagi_port=free_tcp_port(),
        survey_call_window="00:00-24:00", survey_max_channels=max(steps) + 10, survey_ring_seconds=20,
        ivr_digit_timeout_seconds=4.0)
    upgrade(db_url)
    from cli.seeding import seed

    resources = Resources.open(settings)
    await seed(resources)
    started = process.running_pid(settings) is None
    process.start(settings, timeout=90)
    redis = redis_sync.Redis.from_url(REDIS_URL, decode_responses=True)
    redis.flushdb()
    pool = WorkerPool(settings, workdir, redis)
    runner = SippRunner(workdir=workdir, target=f"{settings.telephony.sip_host}:{settings.telephony.sip_port}")
    channels = (settings.telephony.rtp_end - settings.telephony.rtp_start) // 2
    held = 0
    try:
        worker = pool.start("surveybench")
        host, port = split_host_port(settings.telephony.pstn_address)
        runner.start(citizen_scenario(workdir), ip=host, port=port, target=False, calls=100_000, name="citizens",
                     trace=False)
        print(f"one worker, Asterisk RTP ports for {channels} channels; survey ≈ greeting + 3 questions keyed")
        for step, n in enumerate(steps, start=1):
            if n > channels:
                print(f"{n:4d} surveys: skipped (more than the {channels} channels of the RTP port range)")
                break
            r = await run_step(n, step, resources=resources, settings=settings, worker_pid=worker.popen.pid,
                               bound=args.bound)
            print(f"{n:4d} surveys at once: {r['complete']:4d} complete, peak {r['peak']:4d} on the line, "
                  f"call {r['mean']:.1f} s mean / {r['max']:.1f} s max, step {r['elapsed']:.1f} s, "
                  f"worker CPU {100 * r['cpu']:.0f} % of one core", flush=True)
            if r["complete"] < n:
                break
            held = n
    finally:
        runner.close()
        pool.stop_all()
        redis.close()
        await resources.close()
        if started:
            process.stop(settings)
        drop_database(db_name)
    print(f"survey calls one worker ran at once, every one complete: {held}")
    print(f"(logs in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
