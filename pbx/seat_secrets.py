"""Each seat's own random SIP secret (R-35), kept in the database (table seat_secrets).

Rule (`plan`, pure): a stored secret wins; a seat without one gets HOTLINE_DEMO_PASSWORD only
if it belongs to a demo account and HOTLINE_DEMO_DATA is true; every other seat gets a new
random secret, stored on first use. Rotation stores a new random secret (so a rotated demo
seat leaves the demo password behind too).

How a rotation reaches the running Asterisk: the API commits it and publishes
SEAT_SECRETS_CHANGED on the event bus; every ARI worker (they run beside Asterisk and can
write its configuration) re-renders pjsip_seats.conf — the seats' auth objects, included by
pjsip.conf and depending on nothing but the seats and their secrets, so the worker's own
settings never leak into Asterisk's configuration — from the database and reloads res_pjsip
over ARI (`apply`). We re-render rather than push the auth object through ARI's dynamic
configuration: objects read from pjsip.conf are read-only to ARI (the config wizard cannot
update them), and the rendered file is what a restarted Asterisk reads anyway.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.database import sync_url
from core.secrets import ari_password
from core.settings import Settings
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from models import SeatSecret
from pbx import render, rootfs

log = logging.getLogger(__name__)
SEAT_SECRETS_CHANGED = "pbx.seat_secrets_changed"  # bus event, no audience: never sent to a browser
# the seats the demo accounts sit at (accounts.demo gives them these extensions; a test keeps
# the two in step): the telephony side must not depend on who the accounts are
DEMO_SEATS = frozenset(render.AGENT_EXTENSIONS[:5] + render.EXPERT_EXTENSIONS[:5] + render.SUPERVISOR_EXTENSIONS[:1])
SECRET_BYTES = 24


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def plan(settings: Settings, stored: Mapping[str, str],
         extensions: tuple[str, ...] = render.SEAT_EXTENSIONS) -> tuple[dict[str, str], dict[str, str]]:
    """(password of every seat, the new secrets to store) from what is stored (pure but for
    the random source)."""
    demo = settings.demo.demo_password.get_secret_value() if settings.demo.demo_data and settings.demo.demo_password else None
    passwords, created = {}, {}
    for ext in extensions:
        if ext in stored:
            passwords[ext] = stored[ext]
        elif demo is not None and ext in DEMO_SEATS:
            passwords[ext] = demo
        else:
            passwords[ext] = created[ext] = new_secret()
    return passwords, created


async def seat_passwords(session: AsyncSession, settings: Settings,
                         extensions: tuple[str, ...] = render.SEAT_EXTENSIONS) -> dict[str, str]:
    """The SIP password of each seat, storing new random ones (the caller commits)."""
    for _ in range(2):  # a second process may store the same seat at the same moment: read again
        stored = dict((await session.execute(
            select(SeatSecret.extension, SeatSecret.secret).where(SeatSecret.extension.in_(extensions)))).all())
        passwords, created = plan(settings, stored, extensions)
        if not created:
            return passwords
        try:
            async with session.begin_nested():
                session.add_all(SeatSecret(extension=e, secret=s) for e, s in created.items())
            return passwords
        except IntegrityError:
            continue
    raise RuntimeError("seat secrets kept changing under us")


async def seat_password(session: AsyncSession, settings: Settings, extension: str) -> str:
    """One seat's SIP password (the browser softphone's), stored if new (the caller commits)."""
    return (await seat_passwords(session, settings, (extension,)))[extension]


async def rotate(session: AsyncSession, extension: str) -> None:
    """Give the seat a new random secret (the caller commits, then announces it)."""
    row = await session.get(SeatSecret, extension)
    if row is None:
        session.add(SeatSecret(extension=extension, secret=new_secret()))
    else:
        row.secret, row.rotated_at = new_secret(), utcnow()
    await session.flush()


def load_seat_passwords(settings: Settings) -> dict[str, str]:
    """Synchronous `seat_passwords` for the renderer (`hotline asterisk up|render`), committed."""
    engine = create_engine(sync_url(settings.database.database_url))
    try:
        for _ in range(2):
            with Session(engine) as session:
                stored = dict(session.execute(select(SeatSecret.extension, SeatSecret.secret)).all())
                passwords, created = plan(settings, stored)
                session.add_all(SeatSecret(extension=e, secret=s) for e, s in created.items())
                try:
                    session.commit()
                    return passwords
                except IntegrityError:
                    session.rollback()
        raise RuntimeError("seat secrets kept changing under us")
    finally:
        engine.dispose()


def secrets_for(settings: Settings) -> tuple[str, dict[str, str]]:
    """(ARI password, {extension: SIP password}) for rendering the configuration."""
    return ari_password(settings), load_seat_passwords(settings)


def render_and_write(settings: Settings, lay: rootfs.Layout) -> Path:
    """Render with the stored seat secrets and write into the layout's config directory."""
    ari, sip = secrets_for(settings)
    return render.write_config(render.render_config(settings, ari, sip, lay), lay)


def write_seats(settings: Settings, passwords: Mapping[str, str]) -> bool:
    """Rewrite only pjsip_seats.conf in Asterisk's configuration directory (everything else
    stays as the renderer wrote it, with its own settings); True when it changed."""
    target = rootfs.layout(settings).host_dir("etc")
    path, text = target / render.SEATS_FILE, render.render_seats(passwords)
    if path.exists() and path.read_text() == text:
        return False
    target.mkdir(parents=True, exist_ok=True)
    render.write_file(target, render.SEATS_FILE, text)
    return True


async def apply(settings: Settings, sessionmaker, ari) -> bool:
    """Bring the running Asterisk to the stored secrets: rewrite pjsip_seats.conf, reload
    res_pjsip over ARI. Returns True when something changed."""
    async with UnitOfWork(sessionmaker()) as uow:
        passwords = await seat_passwords(uow.session, settings)
    if not write_seats(settings, passwords):
        return False
    await ari.asterisk.reloadModule(moduleName="res_pjsip.so")
    log.info("seat secrets applied: res_pjsip reloaded")
    return True
