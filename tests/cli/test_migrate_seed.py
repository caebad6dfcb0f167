"""`hotline migrate --seed` then `hotline serve` (the docker-compose path) seeds exactly what `hotline up` does.

Seeding once depended on importing the API's routes (seed hooks registered as an import side
effect); the migrate command never imported them, so a deployment had no holiday calendar
and a Friday-afternoon consultation got its dispatch limit on Monday instead of the make-up
workday Saturday 2026-02-14 (R-10).
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.database import create_engine
from core.settings import REPO_ROOT, Settings
from models import AgentSkill, CalendarDay, TimeLimitPolicyVersion, User
from tests.conftest import _drop_database, _recreate_database
from workorders.deadlines import at_acceptance
from worktime.service import active_version, build_calendar, policy_by_version

BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def throwaway_database_url():
    name = f"hotline_migrate_seed_{os.getpid()}"
    url = _recreate_database(name)
    yield url
    _drop_database(name)


async def _seeded_state(database_url: str) -> dict:
    """What seeding leaves behind: calendar rows, the active policy, seat skills, plus the R-10 deadline."""
    engine = create_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            calendar_rows = await session.scalar(select(func.count(CalendarDay.day)))
            policy_version = (await session.scalar(
                select(TimeLimitPolicyVersion.version).where(TimeLimitPolicyVersion.active.is_(True))))
            skills = set((await session.execute(
                select(User.username, AgentSkill.skill).join(AgentSkill, AgentSkill.user_id == User.id))).tuples())
            calendar = await build_calendar(session, Settings(database_url=database_url))
            policy = await policy_by_version(session, (await active_version(session)).version)
            received = datetime(2026, 2, 13, 16, 0, tzinfo=BEIJING)  # a Friday, before the Spring Festival
            due = at_acceptance(policy, calendar, received).due["dispatch_due_at"]
    finally:
        await engine.dispose()
    return {"calendar_rows": calendar_rows, "policy": policy_version, "skills": skills, "dispatch_due": due}


async def test_migrate_seed_gives_the_holiday_calendar_policy_and_skills_of_hotline_up(
        throwaway_database_url, settings, seeded, tmp_path):
    env = {**os.environ, "HOTLINE_DATABASE_URL": throwaway_database_url, "HOTLINE_REDIS_URL": settings.redis.redis_url,
           "HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ADMIN_PASSWORD": "migrate-admin-pass",
           "HOTLINE_DEMO_PASSWORD": "migrate-demo-pass", "HOTLINE_LOG_JSON": "false"}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "cli.main", "migrate", "--seed"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    deployed = await _seeded_state(throwaway_database_url)
    # the make-up workday Saturday 2026-02-14 counts: 1.5 h on Friday, the rest on Saturday morning
    assert deployed["dispatch_due"] == datetime(2026, 2, 14, 10, 30, tzinfo=BEIJING)
    assert deployed["dispatch_due"].isoformat() == "2026-02-14T10:30:00+08:00"
    # the same seeders as the in-process path (`hotline up` and the tests' `seeded` fixture)
    in_process = await _seeded_state(settings.database.database_url)
    assert deployed["calendar_rows"] == in_process["calendar_rows"] > 100
    assert deployed["policy"] == in_process["policy"] is not None
    assert deployed["skills"] == in_process["skills"] and deployed["skills"]


def test_no_module_registers_seeders_by_import():
    """Seeding is explicit: one list in the composition root, nothing appended at import time."""
    from cli import seeding

    assert [s.__name__ for s in seeding.SEEDERS] == ["seed_default_skills", "seed_calendar_days",
                                                     "seed_default_policy", "seed_demo_knowledge"]
    for package in ("core", "acd", "workorders", "api", "knowledge"):
        for path in (REPO_ROOT / package).glob("*.py"):
            assert "SEED_HOOKS" not in path.read_text(), path
