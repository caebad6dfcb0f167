"""Demo accounts: agents on 1001–1005, expert seats on 2001–2005, the supervisor on 3001 (a
supervisor seat, rung to monitor calls), and one of every other role.

Their password (web and SIP alike) is HOTLINE_DEMO_PASSWORD; without it they get a random
password nobody knows, so a production database never has guessable demo logins.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.service import create_user
from models import User
from organisation.service import unit_by_code

# (username, display name, role, unit code, extension)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str, str | None], ...] = (
    *((f"agent{ext}", f"话务员{ext}", "agent", "SC-12345", str(ext)) for ext in range(1001, 1006)),
    ("expert2001", "人社政策专家", "expert", "SC-RST", "2001"),
    ("expert2002", "市场监管专家", "expert", "SC-SCJGJ", "2002"),
    ("expert2003", "住房建设专家", "expert", "SC-ZJT", "2003"),
    ("expert2004", "医保政策专家", "expert", "SC-YBJ", "2004"),
    ("expert2005", "税务政策专家", "expert", "SC-SWJ", "2005"),
    ("supervisor", "值班长", "supervisor", "SC-12345", "3001"),
    ("auditor", "审计员", "auditor", "SC-12345", None),
    ("chengdu", "成都市12345值班员", "supervisor", "C510100-12345", None),
    ("wh_zjj", "武侯区住建交通局经办人", "unit_staff", "WH-ZJJ", None),
    ("wh_zjj_lead", "武侯区住建交通局负责人", "unit_leader", "WH-ZJJ", None),
    ("wh_gov", "武侯区政府办经办人", "unit_staff", "WH-GOV", None),
    ("cd_water", "成都市自来水公司经办人", "unit_staff", "CD-WATER", None),
)


async def seed_demo_accounts(session: AsyncSession, demo_password: str | None) -> int:
    """Create the demo accounts that are missing; returns how many were made."""
    existing = set((await session.scalars(select(User.username))).all())
    made = 0
    for username, display_name, role, unit_code, extension in DEMO_ACCOUNTS:
        if username in existing:
            continue
        unit = await unit_by_code(session, unit_code)
        password = demo_password or secrets.token_urlsafe(16)
        await create_user(session, username=username, password=password, role=role, org_unit_id=unit.id,
                          display_name=display_name, extension=extension)
        made += 1
    return made
