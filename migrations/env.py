"""Alembic environment: the database URL comes from the settings (or the caller's config)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import models
from core.database import is_sqlite, sync_url
from core.settings import get_settings

config = context.config
target_metadata = models.Base.metadata


def _url() -> str:
    return sync_url(config.get_main_option("sqlalchemy.url") or get_settings().database.database_url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, url)
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection, url)


def _run(connection, url: str) -> None:
    # SQLite cannot ALTER most things in place: batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite(url))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
