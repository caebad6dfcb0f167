"""First-start work shared by `hotline up`, `hotline migrate --seed` and the tests."""
from __future__ import annotations

from dataclasses import dataclass

from accounts.demo import seed_demo_accounts
from accounts.service import ensure_admin
from api.resources import Resources
from knowledge.demo import seed_demo_knowledge
from organisation.service import seed_reference_data


@dataclass
class BootstrapReport:
    reference_rows: int
    demo_accounts: int
    generated_admin_password: str | None


async def seed(resources: Resources) -> BootstrapReport:
    """Reference data, the first administrator and (if enabled) the demo accounts."""
    settings = resources.settings
    async with resources.sessionmaker() as session:
        rows = await seed_reference_data(session)
        admin_password = settings.admin_password.get_secret_value() if settings.admin_password else None
        generated = await ensure_admin(session, admin_password)
        demo = 0
        if settings.demo_data:
            demo_password = settings.demo_password.get_secret_value() if settings.demo_password else None
            demo = await seed_demo_accounts(session, demo_password)
        for hook in (*SEED_HOOKS, seed_demo_knowledge):
            await hook(session, settings)
        await session.commit()
    return BootstrapReport(reference_rows=rows, demo_accounts=demo, generated_admin_password=generated)


# other domains register async seeders (session, settings) here: calendar, policy, queues …
SEED_HOOKS: list = []
