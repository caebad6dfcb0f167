"""Apply Alembic migrations programmatically: the only way the schema is made."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from core.database import private_sqlite_file, sync_url
from core.package_files import package_dir


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the platform's migrations package and the given database.

    Built in code, not from alembic.ini (that file serves only the `alembic` command in a
    checkout), so an installed wheel migrates without a repository around it.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(package_dir("migrations")))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database to revision (default: the newest of every domain branch)."""
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)
