"""Apply Alembic migrations programmatically: the only way the schema is made."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from core.database import private_sqlite_file, sync_url
from core.settings import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at this repository's migrations and the given database."""
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database to revision (default: the newest of every domain branch)."""
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)
