"""Start, stop and query the Asterisk process (`asterisk -f` in the root via chroot).

Asterisk runs in its own process group and session, so `hotline asterisk up` can return
while it keeps running, and stop() can kill everything it spawned (AGI scripts included).
The pid file lives in Asterisk's run directory (inside the root), so every caller using the
same root sees the same process whatever its var_dir.
Every wait is a bounded poll; no fixed sleeps.
"""
from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.secrets import ari_password
from core.settings import Settings
from pbx import rootfs, seat_secrets
from pbx.rootfs import Layout

BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
CLI_TIMEOUT = 15.0
PID_FILE = "hotline-asterisk.pid"
CONSOLE_LOG = "console.log"


class AsteriskError(RuntimeError):
    pass


class AsteriskExited(AsteriskError):
    """Asterisk ended by itself while booting."""


BOOT_ATTEMPTS = 2


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll check() until it is true or timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# ------------------------------------------------------------------ process bookkeeping
def pid_file(lay: Layout) -> Path:
    return lay.host_dir("run") / PID_FILE


def read_pid(lay: Layout) -> int | None:
    try:
        return int(pid_file(lay).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def alive(pid: int) -> bool:
    """True if pid runs an asterisk (not a zombie, not a recycled pid of something else)."""
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if we are its parent (tests start it)
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X") and b"asterisk" in cmdline


def running_pid(settings: Settings) -> int | None:
    pid = read_pid(rootfs.layout(settings))
    return pid if pid is not None and alive(pid) else None


# ------------------------------------------------------------------ CLI and ARI probes
def cli(settings: Settings, command: str, timeout: float = CLI_TIMEOUT) -> str:
    """Run one CLI command (`asterisk -rx`) and return its output."""
    return _rx(rootfs.layout(settings), command, timeout)


def _rx(lay: Layout, command: str, timeout: float = CLI_TIMEOUT) -> str:
    try:
        done = subprocess.run(lay.command("-rx", command), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AsteriskError(f"CLI {command!r} timed out after {timeout}s") from exc
    # The remote console exits non-zero (or says so) when no Asterisk listens.
    if done.returncode != 0 or "Unable to connect to remote asterisk" in done.stdout:
        raise AsteriskError(f"CLI {command!r} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def _cli_ok(lay: Layout, command: str, timeout: float = 5.0) -> bool:
    try:
        _rx(lay, command, timeout)
        return True
    except AsteriskError:
        return False


def ari_url(settings: Settings, path: str) -> str:
    return f"http://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ari/{path.lstrip('/')}"


def ari_answers(settings: Settings, password: str, timeout: float = 2.0) -> bool:
    """GET /ari/asterisk/info with the ARI credentials answers 200."""
    token = base64.b64encode(f"{settings.telephony.ari_user}:{password}".encode()).decode()
    req = urllib.request.Request(ari_url(settings, "asterisk/info"),
                                 headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


# ------------------------------------------------------------------ start / stop / status
def sync_dir(source: Path, target: Path, *, executables_only: bool = False) -> int:
    """Mirror the regular files of source into target (same size+mtime = unchanged).
    Files removed from source disappear from target. Returns the number copied."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for p in source.iterdir() if p.is_file()
              and (not executables_only or os.access(p, os.X_OK))} if source.is_dir() else {}
    for stale in target.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    copied = 0
    for name, src in wanted.items():
        dst, st = target / name, src.stat()
        if dst.exists() and (dst.stat().st_size, int(dst.stat().st_mtime)) == (
                st.st_size, int(st.st_mtime)):
            continue
        shutil.copy2(src, dst)  # keeps mode (the exec bit of AGI scripts) and mtime
        copied += 1
    return copied


def sync_prompts(settings: Settings) -> int:
    """Copy settings.prompts_dir into the root (Asterisk cannot see host paths)."""
    lay = rootfs.layout(settings)
    if lay.root is None:
        return 0  # host mode: Asterisk reads settings.prompts_dir directly
    return sync_dir(Path(settings.calls.prompts_dir), lay.host_dir("prompts"))


def sync_agi(settings: Settings) -> int:
    """Copy the AGI scripts into the root, where Asterisk (and its python3) runs them."""
    lay = rootfs.layout(settings)
    if lay.root is None:
        return 0
    # only the scripts: agi_scripts/ also holds the workers' (host-side) FastAGI modules
    return sync_dir(lay.agi_source, lay.host_dir("agi"), executables_only=True)


def start(settings: Settings, timeout: float = BOOT_TIMEOUT) -> int:
    """Render the config, start Asterisk, and wait until it is fully booted and ARI
    answers with our credentials. Returns the pid. If this instance already runs (pid
    file), its config is re-rendered and reloaded instead: `up` twice is harmless."""
    lay = rootfs.ensure(settings)
    password = ari_password(settings)
    pid = running_pid(settings)
    if pid is not None:
        seat_secrets.render_and_write(settings, lay)
        sync_prompts(settings)
        sync_agi(settings)
        if _reload(lay) and wait_until(lambda: ari_answers(settings, password), timeout):
            return pid
        raise AsteriskError(f"Asterisk {pid} runs but ARI does not answer with our password")
    if _cli_ok(lay, "core show version"):
        raise AsteriskError("an Asterisk not started by pbx already runs from this root; "
                            "stop it first (asterisk -rx 'core stop now')")
    _wait_ports_free(settings)
    for name in ("run", "log", "spool", "db"):
        lay.host_dir(name).mkdir(parents=True, exist_ok=True)
    seat_secrets.render_and_write(settings, lay)
    sync_prompts(settings)
    sync_agi(settings)
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        pid = _spawn(lay)
        try:
            _wait_booted(lay, settings, password, pid, timeout)
            return pid
        except AsteriskExited:
            # Seen about once in ten quick stop/start cycles: "Asterisk Ready." then a clean
            # exit. A second start has always come up; never more than BOOT_ATTEMPTS.
            _terminate(lay, pid)
            if attempt == BOOT_ATTEMPTS:
                raise
        except BaseException:
            _terminate(lay, pid)
            raise
    raise AssertionError("unreachable")


def _wait_ports_free(settings: Settings, timeout: float = 5.0) -> None:
    """Ports of an Asterisk that just stopped can linger a moment: retry for `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _check_ports_free(settings)
            return
        except AsteriskError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)  # bounded by the deadline


def _check_ports_free(settings: Settings) -> None:
    """Fail fast and clearly when something else holds our SIP or ARI port (Asterisk
    would start anyway, without its transport or HTTP server)."""
    probes = ((socket.SOCK_DGRAM, settings.telephony.sip_host, settings.telephony.sip_port, "SIP"),
              (socket.SOCK_STREAM, settings.telephony.ari_host, settings.telephony.ari_port, "ARI/HTTP"))
    for kind, host, port, what in probes:
        with socket.socket(socket.AF_INET, kind) as s:
            if kind == socket.SOCK_STREAM:  # a TIME_WAIT left by the last run is no owner
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                raise AsteriskError(f"{what} port {host}:{port} is in use ({exc.strerror}); "
                                    "another Asterisk? `hotline asterisk down` or change "
                                    "HOTLINE_SIP_PORT / HOTLINE_ARI_PORT") from exc


def _spawn(lay: Layout) -> int:
    with open(lay.host_dir("log") / CONSOLE_LOG, "ab") as log:
        # Own session = own process group: stop() kills the group, a Ctrl-C on the CLI
        # that started it does not reach it.
        proc = subprocess.Popen(lay.command("-f"), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    pid_file(lay).write_text(f"{proc.pid}\n")
    return proc.pid


def _wait_booted(lay: Layout, settings: Settings, password: str, pid: int,
                 timeout: float) -> None:
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(0.1, deadline - time.monotonic())

    def booted() -> bool:
        if not alive(pid):
            raise AsteriskExited(f"Asterisk exited while booting; see {_console(lay)}")
        return _cli_ok(lay, "core waitfullybooted", timeout=min(5.0, left()))

    if not wait_until(booted, left()):
        raise AsteriskError(f"Asterisk not fully booted after {timeout}s; see {_console(lay)}")
    if not wait_until(lambda: ari_answers(settings, password), left()):
        raise AsteriskError(f"ARI does not answer at {ari_url(settings, 'asterisk/info')}")


def _console(lay: Layout) -> Path:
    return lay.host_dir("log") / CONSOLE_LOG


def _reload(lay: Layout) -> bool:
    return _cli_ok(lay, "core reload", timeout=CLI_TIMEOUT)


def stop(settings: Settings, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop our Asterisk: `core stop now`, then SIGTERM/SIGKILL to its process group.
    Returns True if one was running."""
    lay = rootfs.layout(settings)
    pid = read_pid(lay)
    if pid is None or not alive(pid):
        pid_file(lay).unlink(missing_ok=True)
        # No (live) pid file but this instance's control socket answers: stop it by CLI.
        if not _cli_ok(lay, "core stop now", timeout=min(5.0, timeout)):
            return False
        return wait_until(lambda: not _cli_ok(lay, "core show version", 2.0), timeout)
    _terminate(lay, pid, timeout)
    return True


def _terminate(lay: Layout, pid: int, timeout: float = STOP_TIMEOUT) -> None:
    _cli_ok(lay, "core stop now", timeout=min(5.0, timeout))
    if not wait_until(lambda: not alive(pid), timeout / 2):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            if wait_until(lambda: not alive(pid), timeout / 4):
                break
    _kill_group_leftovers(pid)
    pid_file(lay).unlink(missing_ok=True)


def _kill_group_leftovers(pgid: int) -> None:
    """AGI children left in Asterisk's group once it exited (it led its own group)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def status(settings: Settings) -> dict:
    """What runs: mode, pid, fully booted, version, whether ARI answers."""
    lay = rootfs.layout(settings)
    pid = read_pid(lay)
    info = {"mode": lay.mode, "root": str(lay.root) if lay.root else None,
            "root_ready": rootfs.root_complete(lay.root) if lay.root else True,
            "pid": pid if pid is not None and alive(pid) else None,
            "version": None, "fully_booted": False, "ari": False}
    if info["root_ready"]:
        try:
            info["version"] = _rx(lay, "core show version", 5.0).strip()
            info["fully_booted"] = _cli_ok(lay, "core waitfullybooted", 2.0)
        except AsteriskError:
            pass
    if info["version"]:
        info["ari"] = ari_answers(settings, ari_password(settings))
    return info
