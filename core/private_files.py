"""Files holding secrets or personal data (keys, recordings, the SQLite database) are made
readable by the platform's own user only, whatever the process umask says (R-17, R-35)."""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
log = logging.getLogger(__name__)


def narrow(path: Path, mode: int) -> None:
    """chmod, but a path owned by someone else (a mounted volume, a provisioned secret) is left
    as it is with a warning rather than stopping the platform."""
    try:
        os.chmod(path, mode)
    except PermissionError:
        log.warning("cannot narrow permissions (not the owner)", extra={"path": str(path), "mode": oct(mode)})


def not_world_accessible(path: Path) -> None:
    """Take every permission away from "others" on an existing path an operator may have made."""
    mode = path.stat().st_mode & 0o7777
    if mode & 0o007:
        narrow(path, mode & ~0o007)


def private_dirs(root: Path, relative: Path | str = ".") -> Path:
    """root/relative, each directory we create 0700 and root itself closed to others."""
    with contextlib.suppress(FileExistsError):
        root.mkdir(parents=True, mode=PRIVATE_DIR_MODE)
        narrow(root, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    not_world_accessible(root)
    current = root
    for part in Path(relative).parts:
        current = current / part
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            current.mkdir(mode=PRIVATE_DIR_MODE)
            narrow(current, PRIVATE_DIR_MODE)
    return current


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """os.open a file created (or reused) with mode 0600; returns the descriptor."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # a file left over with a wider mode is narrowed too
    except PermissionError:
        log.warning("cannot narrow permissions (not the owner)", extra={"path": str(path), "mode": "0o600"})
    return fd
