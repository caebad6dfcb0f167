"""Throw-away mail servers for the mailbox tests: Debian's Dovecot (IMAP) on a free port with a
passwd-file user and a maildir under the test's tmp dir, and aiosmtpd (a real SMTP server) that
keeps what it receives. Each is stopped by the test that started it."""
from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "hotline", "mailbox-pass-2026"
MAIL_UID = 65534  # the mail files belong to nobody (Dovecot refuses root as the mail user)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (root / "mail").mkdir(parents=True, exist_ok=True)
        os.chown(root / "mail", MAIL_UID, MAIL_UID)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "dovecot.conf").write_text(CONF.format(root=root, port=self.port, uid=MAIL_UID))

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()}")
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                client.login(USER, PASSWORD)
                client.logout()
                return
            time.sleep(0.05)  # polling the server's readiness, bounded by the deadline
        raise TimeoutError("dovecot did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def renumber(self, uidvalidity: int) -> None:
        """What a restored or rebuilt mailbox does: the folder starts again with a new UIDVALIDITY
        and new UIDs (the server stopped first): indexes dropped, a UID list with no message in it."""
        for kept in (self.root / "mail").rglob("dovecot*"):
            if kept.is_file():
                kept.unlink()
        uidlist = self.root / "mail" / USER / "dovecot-uidlist"
        uidlist.write_text(f"3 V{uidvalidity} N1\n")
        os.chown(uidlist, MAIL_UID, MAIL_UID)

    def append(self, message: EmailMessage, folder: str = "INBOX") -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        try:
            client.login(USER, PASSWORD)
            status, data = client.append(folder, None, None, message.as_bytes())
            assert status == "OK", data
            return int(data[0].split(b"APPENDUID ")[1].split(b"]")[0].split()[1])
        finally:
            client.logout()


@contextlib.contextmanager
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own, under a fresh directory in /tmp (pytest's are 0700: Dovecot's
    unprivileged processes could not reach their files there), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="hotline-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


class Inbox:
    """aiosmtpd's handler: every message received, parsed."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 OK"


@contextlib.contextmanager
def smtp_receiver() -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", inbox
    finally:
        controller.stop()
