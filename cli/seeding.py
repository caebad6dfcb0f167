"""First-start data, seeded explicitly: the one list of seeders every start path runs.

`hotline up`, `hotline migrate --seed`, the tests' `seeded` fixture and the benches all call
`seed()` below, so each gets the same calendar, time-limit policy and seat skills. The list
lives here, in the composition root, because it names every domain's seeder; core knows
no domain, and no seeder is registered by importing a module for its side effect.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from accounts.demo import seed_demo_accounts
from accounts.service import ensure_admin
from acd.service import seed_default_skills
from core.resources import Resources
from core.settings import Settings
from events.unit_of_work import UnitOfWork
from knowledge.demo import seed_demo_knowledge
from organisation.service import seed_reference_data
from worktime.service import seed_calendar_days, seed_default_policy

Seeder = Callable[[AsyncSession, Settings], Awaitable[object]]

# Run in this order after the reference data, the first administrator and the demo accounts
# (the skills are given to seats that exist by then; the demo knowledge names the admin).
# Each is idempotent: it adds only what is missing, so every start may run them all.
SEEDERS: tuple[Seeder, ...] = (
    seed_default_skills,  # acd: default skills of the seats
    seed_calendar_days,  # worktime: the published holiday / make-up workday schedule (R-10 … R-15)
    seed_default_policy,  # worktime: the first time-limit policy version
    seed_demo_knowledge,  # knowledge: demo entries (only with HOTLINE_DEMO_DATA)
)


@dataclass
class BootstrapReport:
    reference_rows: int
    demo_accounts: int
    generated_admin_password: str | None


async def seed(resources: Resources) -> BootstrapReport:
    """Reference data, the first administrator, (if enabled) the demo accounts, then SEEDERS."""
    settings = resources.settings
    async with UnitOfWork(resources.sessionmaker()) as uow:
        session = uow.session
        rows = await seed_reference_data(session)
        admin_password = settings.security.admin_password.get_secret_value() if settings.security.admin_password else None
        generated = await ensure_admin(session, admin_password)
        demo = 0
        if settings.demo.demo_data:
            demo_password = settings.demo.demo_password.get_secret_value() if settings.demo.demo_password else None
            demo = await seed_demo_accounts(session, demo_password)
        for seeder in SEEDERS:
            await seeder(session, settings)
    return BootstrapReport(reference_rows=rows, demo_accounts=demo, generated_admin_password=generated)
