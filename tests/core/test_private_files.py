"""Secrets and personal data on disk: a short secret key is refused at start-up; secret files,
recordings and the SQLite database are never readable by other users, whatever the umask."""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from cli.main import main
from core.migrate import upgrade
from core.resources import Resources
from core.secrets import SecretTooShort, secret_key
from core.settings import Settings, get_settings
from pbx.render import write_config
from recordings.service import copy_into_store, stored_path
from tests.recordings.test_recordings import _wav


@contextmanager
def careless_umask() -> Iterator[None]:
    """Run as if the operator's umask let every file be world-readable and writable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_an_empty_or_short_secret_key_is_refused(key):
    with pytest.raises(ValidationError, match="HOTLINE_SECRET_KEY is empty or shorter than 32 bytes"):
        Settings(_env_file=None, secret_key=key)
    assert Settings(_env_file=None, secret_key="x" * 32).security.secret_key.get_secret_value() == "x" * 32


@pytest.mark.parametrize("key", ["", "too-short"])
def test_every_command_refuses_to_start_with_a_short_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("HOTLINE_SECRET_KEY", key)
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "HOTLINE_SECRET_KEY is empty or shorter than 32 bytes" in result.output
    assert not (tmp_path / "h.db").exists()  # nothing started


def test_the_generated_secret_key_file_is_0600(tmp_path):
    with careless_umask():
        key = secret_key(Settings(_env_file=None, var_dir=tmp_path))
    assert len(key) >= 32 and mode(tmp_path / "secret_key") == 0o600
    (tmp_path / "secret_key").chmod(0o644)  # e.g. restored from a backup
    assert secret_key(Settings(_env_file=None, var_dir=tmp_path)) == key
    assert mode(tmp_path / "secret_key") == 0o600
    assert not list(tmp_path.glob(".secret_key*"))  # no partial file left behind


def test_an_empty_stored_secret_key_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(SecretTooShort, match="shorter than 32 bytes"):
        Resources.open(Settings(_env_file=None, var_dir=tmp_path, redis_url=None,
                                database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"))


def test_asterisk_configuration_files_are_0600_even_over_a_leftover(tmp_path):
    class Lay:
        def host_dir(self, name: str) -> Path:
            return tmp_path / name

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / ".pjsip.conf.tmp").write_text("old")
    (tmp_path / "etc" / ".pjsip.conf.tmp").chmod(0o644)
    with careless_umask():
        target = write_config({"pjsip.conf": "[secret]\n"}, Lay())
    assert mode(target / "pjsip.conf") == 0o600


async def test_the_sqlite_database_is_never_world_readable(tmp_path):
    var = tmp_path / "var"
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{var / 'hotline.db'}",
                        redis_url=None, var_dir=var, demo_data=False)
    with careless_umask():
        upgrade(settings.database.database_url)
        resources = Resources.open(settings)
        try:
            async with resources.engine.begin() as conn:  # a write: the -wal file exists now
                await conn.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        finally:
            await resources.close()
    made = [p for p in var.iterdir() if p.name.startswith("hotline.db")]
    assert var / "hotline.db" in made
    for path in made:
        assert mode(path) & 0o077 == 0, (path, oct(mode(path)))


def test_recordings_files_and_directories_are_private(tmp_path):
    source = _wav(tmp_path / "spool.wav", 0.5)
    store = tmp_path / "store"
    with careless_umask():
        stored = copy_into_store(source, store, stored_path(datetime(2026, 11, 27, 3, 0, tzinfo=UTC), 7))
    path = store / stored.relative_path
    assert mode(path) == 0o600
    directory = path.parent
    while directory != tmp_path:
        assert mode(directory) == 0o700, directory
        directory = directory.parent


def test_an_operator_made_recordings_directory_is_closed_to_others(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    store.chmod(0o755)
    source = _wav(tmp_path / "spool.wav", 0.5)
    copy_into_store(source, store, stored_path(datetime(2026, 11, 27, 3, 0, tzinfo=UTC), 8))
    assert mode(store) == 0o750
