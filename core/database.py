"""Database engine and sessions, made at startup (never at import time)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.private_files import PRIVATE_FILE_MODE, narrow, open_private


def async_url(url: str) -> str:
    """Normalise a configured URL to its asyncio driver (psycopg 3 / aiosqlite)."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (Alembic runs synchronously)."""
    parsed = make_url(async_url(url))
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """True for the embedded SQLite default."""
    return make_url(url).get_backend_name() == "sqlite"


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, usually leaving it
    world-readable) and narrow an existing one; its -wal/-shm files inherit the file's mode."""
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT))
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                      path.with_name(path.name + "-journal")):
        if companion.exists():
            narrow(companion, PRIVATE_FILE_MODE)


def _enable_sqlite_foreign_keys(engine: AsyncEngine) -> None:
    # SQLite ignores foreign keys unless asked on every connection.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 20,
                  pool_timeout: float = 30.0) -> AsyncEngine:
    """An async engine for the configured database.

    Its errors never quote the statement's parameters (callers' numbers, names, request texts):
    they end up in logs, which operators read (R-35).
    """
    url = async_url(url)
    if is_sqlite(url):
        private_sqlite_file(url)
        engine = create_async_engine(url, echo=echo, hide_parameters=True)
        _enable_sqlite_foreign_keys(engine)
        return engine
    return create_async_engine(url, echo=echo, hide_parameters=True, pool_size=pool_size, max_overflow=max_overflow,
                               pool_timeout=pool_timeout, pool_pre_ping=True)


def create_side_engine(engine: AsyncEngine) -> AsyncEngine:
    """A small pool of its own beside engine, for short transactions of their own taken while a
    request's session holds a connection (ticket number counters): it never waits on the request
    pool, so a full request pool cannot deadlock on itself. SQLite (one writer) keeps one engine."""
    if engine.dialect.name == "sqlite":
        return engine
    return create_async_engine(engine.url, hide_parameters=True, pool_size=2, max_overflow=3, pool_timeout=10)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (responses are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)
