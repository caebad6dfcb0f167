"""The thin, blocking I/O of the mailbox (run in a thread): IMAP (imaplib) in, SMTP (smtplib) out."""
from __future__ import annotations

import imaplib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT = 30.0


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int | None
    user: str | None
    password: str | None


def endpoint(url: str) -> Endpoint:
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"no host in {parts.scheme}:// URL")
    return Endpoint(scheme=parts.scheme.lower(), host=parts.hostname, port=parts.port,
                    user=unquote(parts.username) if parts.username else None,
                    password=unquote(parts.password) if parts.password else None)


class MailboxError(Exception):
    """The IMAP server refused or failed (the poll is tried again next time)."""


class Imap:
    """One IMAP session on a folder: UIDVALIDITY, new UIDs, a message's bytes, the \\Seen flag."""

    def __init__(self, url: str, folder: str) -> None:
        where = endpoint(url)
        if where.scheme == "imaps":
            self.client: imaplib.IMAP4 = imaplib.IMAP4_SSL(where.host, where.port or 993, timeout=TIMEOUT,
                                                            ssl_context=ssl.create_default_context())
        elif where.scheme in ("imap", "imap+starttls"):
            self.client = imaplib.IMAP4(where.host, where.port or 143, timeout=TIMEOUT)
            if where.scheme == "imap+starttls":
                self.client.starttls(ssl.create_default_context())
        else:
            raise ValueError(f"HOTLINE_MAILBOX_IMAP_URL: unknown scheme {where.scheme}")
        try:
            self.client.login(where.user or "", where.password or "")
            status, _ = self.client.select(self._quote(folder))
            if status != "OK":
                raise MailboxError(f"cannot select folder {folder}")
            self.uidvalidity = int(self.client.untagged_responses["UIDVALIDITY"][-1])
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _quote(folder: str) -> str:
        return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def uids_after(self, last: int) -> list[int]:
        status, data = self.client.uid("SEARCH", None, f"UID {last + 1}:*")
        if status != "OK":
            raise MailboxError("UID SEARCH failed")
        found = [int(x) for x in (data[0] or b"").split()]
        return sorted(u for u in found if u > last)  # "n:*" always matches the last message

    def fetch(self, uid: int) -> bytes | None:
        status, data = self.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if status != "OK":
            raise MailboxError(f"UID FETCH {uid} failed")
        for item in data:
            if isinstance(item, tuple) and re.search(rb"UID %d\b" % uid, item[0]):
                return item[1]
        return None  # expunged meanwhile

    def mark_seen(self, uid: int) -> None:
        self.client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")

    def close(self) -> None:
        try:
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def send(url: str, message: EmailMessage) -> None:
    """Send one message through HOTLINE_SMTP_URL (smtp://, smtp+starttls://, smtps://)."""
    where = endpoint(url)
    if where.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(where.host, where.port or 465, timeout=TIMEOUT,
                                                context=ssl.create_default_context())
    elif where.scheme in ("smtp", "smtp+starttls"):
        client = smtplib.SMTP(where.host, where.port or 25, timeout=TIMEOUT)
    else:
        raise ValueError(f"HOTLINE_SMTP_URL: unknown scheme {where.scheme}")
    with client:
        if where.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if where.user:
            client.login(where.user, where.password or "")
        client.send_message(message)
