"""Registers the ACD's seed hook (default skills of the seats) with core.bootstrap."""
from __future__ import annotations

from acd.service import seed_default_skills
from core.bootstrap import SEED_HOOKS


def register() -> None:
    if seed_default_skills not in SEED_HOOKS:
        SEED_HOOKS.append(seed_default_skills)


register()
