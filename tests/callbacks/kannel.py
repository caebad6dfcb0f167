"""Kannel for the SMS tests: bearerbox and smsbox (Debian's kannel) with a fake SMSC from
kannel-extras (`fakesmsc`), each on its own free port with its configuration in tmp; every
process started here is stopped by `stop()`."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

FAKESMSC_PATHS = ("/usr/lib/kannel/test/fakesmsc", "/usr/lib/kannel/fakesmsc", "/usr/bin/fakesmsc")
BEARERBOX, SMSBOX = "/usr/sbin/bearerbox", "/usr/sbin/smsbox"


def fakesmsc_path() -> str | None:
    return next((p for p in FAKESMSC_PATHS if os.access(p, os.X_OK)), shutil.which("fakesmsc"))


def missing() -> str | None:
    if not (os.access(BEARERBOX, os.X_OK) and os.access(SMSBOX, os.X_OK)):
        return "kannel (bearerbox, smsbox) not installed"
    if fakesmsc_path() is None:
        return "kannel-extras (fakesmsc) not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # polling the port, bounded by the deadline
    raise AssertionError(f"nothing listens on {port} after {timeout}s")


@dataclass
class Kannel:
    workdir: Path
    post_url: str  # where smsbox posts the citizens' replies (%p: the sender)
    user: str = "hotline"
    password: str = "kannel-test-secret"
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendsms']}/cgi-bin/sendsms"

    def start(self) -> None:
        self.ports = {name: free_port() for name in ("admin", "smsbox", "smsc", "sendsms")}
        (self.workdir / "spool").mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "kannel.conf"
        conf.write_text(f"""group = core
admin-port = {self.ports['admin']}
admin-password = test-admin
smsbox-port = {self.ports['smsbox']}
log-level = 1
log-file = "{self.workdir}/bearerbox.log"
box-allow-ip = "127.0.0.1"
store-type = spool
store-location = "{self.workdir}/spool"

group = smsc
smsc = fake
smsc-id = FAKE
port = {self.ports['smsc']}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.ports['smsbox']}
sendsms-port = {self.ports['sendsms']}
global-sender = 12345
log-level = 1
log-file = "{self.workdir}/smsbox.log"

group = sendsms-user
username = {self.user}
password = {self.password}

group = sms-service
keyword = default
post-url = "{self.post_url}"
max-messages = 0
""")
        self.processes.append(self._spawn([BEARERBOX, str(conf)], "bearerbox"))
        wait_port(self.ports["smsbox"], 10)
        self.processes.append(self._spawn([SMSBOX, str(conf)], "smsbox"))
        wait_port(self.ports["sendsms"], 10)

    def _spawn(self, cmd: list[str], name: str) -> subprocess.Popen:
        with open(self.workdir / f"{name}.out", "ab") as out:
            return subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def phone(self, name: str, *messages: str) -> subprocess.Popen:
        """fakesmsc as the citizens' side of the SMSC: sends `messages` ("from to text body")
        and prints what the platform sends (Got message N: <from to type text>)."""
        args = ["-m", str(len(messages)), *messages] if messages else ["-m", "0", "unused"]
        proc = self._spawn([fakesmsc_path(), "-H", "127.0.0.1", "-r", str(self.ports["smsc"]), "-i", "0.1", *args],
                           name)
        self.processes.append(proc)
        return proc

    def received(self, name: str) -> list[tuple[str, str, str]]:
        """(from, to, text) of every message fakesmsc `name` got from the platform."""
        out = []
        path = self.workdir / f"{name}.out"
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            if "Got message" not in line or "<" not in line:
                continue
            sender, to, kind, body = line.split("<", 1)[1].rstrip(">").split(" ", 3)
            raw = urllib.parse.unquote_to_bytes(body)
            out.append((sender, to, raw.decode("utf-16-be") if kind == "ucs-2" else raw.decode("utf-8", "replace")))
        return out

    def stop_process(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            self.stop_process(proc)
        self.processes.clear()
