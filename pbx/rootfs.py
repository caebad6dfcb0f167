"""Where Asterisk comes from, and where its files are as seen from the host.

Either an installed `asterisk` (settings.asterisk_bin, else one on PATH) is used as is, or a
minimal Debian unstable root is built once with debootstrap at settings.asterisk_root and
Asterisk runs in it through `chroot` (Debian 12 has no Asterisk package; sid has 22.x).

Asterisk sees paths inside the root; the rest of the platform sees host paths. `Layout`
holds both views: `host_path()` maps an Asterisk path (e.g. a recording name returned by
ARI) to the host, `runtime_path()` the other way.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from core.package_files import package_dir
from core.settings import Settings

SUITE = "sid"
# python3: AGI scripts run *inside* the root, with its interpreter (stdlib only).
# moh-opsound: hold music for queued callers (the core package ships none).
ROOT_PACKAGES = ("asterisk", "asterisk-modules", "asterisk-moh-opsound-gsm", "python3")
MARKER = ".hotline12345-root"  # written last, before the rename: its presence = complete root
BUILD_TIMEOUT = 1200.0  # seconds; a normal build takes about one minute
LOCK_TIMEOUT = BUILD_TIMEOUT + 60.0

# Directories Asterisk uses inside the root, per instance. Debian's own locations, one
# level deeper: several Asterisks (distinct SIP/ARI ports, e.g. a developer's and a test
# run's) can share one root without sharing config, control socket, pid file or spool.
# The config directory is ours whole, so Debian's ~100 sample files never load.
ROOT_DIRS = {
    "etc": "/etc/hotline12345/{instance}",
    "run": "/var/run/asterisk/{instance}",
    "spool": "/var/spool/asterisk/{instance}",
    "log": "/var/log/asterisk/{instance}",
    "db": "/var/lib/hotline12345/{instance}",  # astdb (sqlite): one per instance
    "prompts": "/var/lib/hotline12345/{instance}/prompts",
    "agi": "/var/lib/hotline12345/{instance}/agi",
}
# The blocked-caller AGI scripts of the platform (synced into the root by pbx.process).
AGI_SOURCE = package_dir("agi_scripts")


@dataclass(frozen=True)
class Layout:
    """How to run Asterisk and where its directories are (runtime and host views)."""

    mode: str  # "chroot" or "host"
    asterisk: str  # the binary, as the runtime sees it
    root: Path | None  # the chroot directory; None in host mode
    dirs: dict  # name -> runtime path (keys of ROOT_DIRS)
    agi_source: Path  # host directory whose scripts Asterisk must be able to run

    @property
    def conf_file(self) -> str:
        return f"{self.dirs['etc']}/asterisk.conf"

    @property
    def recordings_dir(self) -> str:
        """Where ARI stored recordings are written (runtime path): spool/recording."""
        return f"{self.dirs['spool']}/recording"

    def command(self, *args: str) -> list[str]:
        """argv running asterisk with our asterisk.conf (inside the root if chrooted)."""
        prefix = ["chroot", str(self.root)] if self.root is not None else []
        return [*prefix, self.asterisk, "-C", self.conf_file, *args]

    def host_path(self, path: str | os.PathLike) -> Path:
        """Host location of a path as Asterisk sees it."""
        p = Path(path)
        if self.root is None:
            return p
        if not p.is_absolute():
            raise ValueError(f"not an absolute Asterisk path: {path}")
        return self.root / p.relative_to("/")

    def runtime_path(self, host: str | os.PathLike) -> str:
        """Asterisk's view of a host path; it must lie inside the root in chroot mode."""
        p = Path(host).resolve()
        if self.root is None:
            return str(p)
        return "/" + str(p.relative_to(self.root.resolve()))

    def host_dir(self, name: str) -> Path:
        return self.host_path(self.dirs[name])


def installed_asterisk(settings: Settings) -> str | None:
    """settings.asterisk_bin, else `asterisk` on PATH; None means: use the root."""
    if settings.telephony.asterisk_bin:
        path = shutil.which(settings.telephony.asterisk_bin)
        if path is None:
            raise FileNotFoundError(f"HOTLINE_ASTERISK_BIN not executable: {settings.telephony.asterisk_bin}")
        return path
    return shutil.which("asterisk")


def instance_name(settings: Settings) -> str:
    """One Asterisk per SIP/ARI port pair: two on the same ports could not both run."""
    return f"{settings.telephony.sip_port}-{settings.telephony.ari_port}"


def layout(settings: Settings) -> Layout:
    """The layout to use, without building anything (pure apart from a PATH look-up)."""
    binary = installed_asterisk(settings)
    if binary is None:
        return chroot_layout(settings)
    return host_layout(settings, binary)


def _agi_source(settings: Settings) -> Path:
    return Path(settings.telephony.agi_scripts_dir or AGI_SOURCE)


def chroot_layout(settings: Settings) -> Layout:
    """Asterisk from the Debian root at settings.asterisk_root, run through chroot."""
    inst = instance_name(settings)
    dirs = {name: path.format(instance=inst) for name, path in ROOT_DIRS.items()}
    return Layout("chroot", "/usr/sbin/asterisk", Path(settings.telephony.asterisk_root), dirs,
                  _agi_source(settings))


def host_layout(settings: Settings, binary: str) -> Layout:
    """An installed Asterisk: our own etc/run/spool/log/db under var_dir; modules and
    sounds stay where the package put them; prompts and AGI scripts are read in place."""
    agi = _agi_source(settings)
    base = (Path(settings.storage.var_dir) / "asterisk" / instance_name(settings)).resolve()
    dirs = {name: str(base / name) for name in ("etc", "run", "spool", "log", "db")}
    dirs["prompts"] = str(Path(settings.calls.prompts_dir).resolve())
    dirs["agi"] = str(agi.resolve())
    return Layout("host", binary, None, dirs, agi)


def root_complete(root: Path) -> bool:
    return (root / MARKER).is_file() and (root / "usr/sbin/asterisk").is_file()


def ensure(settings: Settings) -> Layout:
    """The layout, building the Debian root first if it is needed and missing."""
    lay = layout(settings)
    if lay.root is not None:
        if not root_complete(lay.root):
            build_root(lay.root)
        write_hosts(lay.root)  # every time: the machine's hostname may have changed
    return lay


def build_root(root: Path) -> None:
    """debootstrap into ROOT.tmp, then rename: an interrupted build never leaves a half root.
    A lock file makes a concurrent caller wait for the first build instead of starting one."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with _locked(root.with_name(root.name + ".lock"), LOCK_TIMEOUT):
        if root_complete(root):  # somebody else built it while we waited
            return
        if shutil.which("debootstrap") is None:
            raise RuntimeError("debootstrap missing: run scripts/install-system-deps.sh")
        tmp = root.with_name(root.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)  # leftover of an interrupted build
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(ROOT_PACKAGES)}",
               SUITE, str(tmp)]
        log = root.with_name(root.name + ".build.log")
        with open(log, "wb") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"debootstrap failed ({done.returncode}); see {log}")
        write_hosts(tmp)
        (tmp / MARKER).write_text(" ".join(ROOT_PACKAGES) + "\n")
        if root.exists():  # an old incomplete root: keep nothing of it
            shutil.rmtree(root)
        os.rename(tmp, root)


def write_hosts(root: Path) -> None:
    """The minimal root has no /etc/hosts; without one Asterisk blocks on DNS for the
    machine's own name on every call (INVITEs then time out under load)."""
    name = socket.gethostname()
    text = (f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n")
    hosts = root / "etc/hosts"
    if not hosts.exists() or hosts.read_text() != text:
        hosts.write_text(text)


class _locked:
    """An exclusive flock on path, waited for with a bound (no indefinite block)."""

    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout, self.fd = path, timeout, -1

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    raise TimeoutError(f"lock {self.path} still held after {self.timeout}s")
                time.sleep(0.5)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
