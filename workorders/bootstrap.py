"""Seed hooks of the work-order domain (run by `hotline migrate --seed`, `hotline up` and the tests)."""
from __future__ import annotations

from core.bootstrap import SEED_HOOKS
from workorders.calendar_service import seed_calendar_days
from workorders.policy_service import seed_default_policy


def register() -> None:
    """Add the calendar and policy seeders once."""
    for hook in (seed_calendar_days, seed_default_policy):
        if hook not in SEED_HOOKS:
            SEED_HOOKS.append(hook)


register()
