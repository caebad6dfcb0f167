"""The mailbox poller: each new IMAP message becomes a request (channel `mailbox`) exactly once.

A message is taken in one transaction: its (folder, UIDVALIDITY, UID) row — inserted first, so a
second poller waits on it and then fails on the unique key — with the ticket, its files and its
events. A crash before the commit leaves the message in the mailbox to be taken on the next poll;
after the commit its UID is at or below the highest kept, never asked for again. When the
folder's UIDVALIDITY changes (the server renumbered it), a message whose Message-ID was already
taken is recorded as a duplicate instead. The automatic reply is sent after the commit from the
rows still waiting for it (at least once: a crash between the send and its mark repeats it).
Machine mail (auto-replies, bounces, lists) is recorded and skipped: no ticket, no reply.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.resources import Resources
from core.timeutil import utcnow
from events.bus import EventBus
from events.unit_of_work import UnitOfWork
from intake.schemas import ATTACHMENT_COUNT, RequestData, normalise_phone
from intake.service import submit_request
from mailbox_channel import parse, transport
from models import IntakeRequest, MailboxMessage, Ticket
from workorders.schemas import Channel

log = logging.getLogger(__name__)
MAX_REPLY_ATTEMPTS = 10
REPLY_BATCH = 50


@dataclass
class PollReport:
    taken: list[str] = field(default_factory=list)  # ticket numbers made
    skipped: list[int] = field(default_factory=list)  # UIDs recorded without a ticket
    uidvalidity: int | None = None


def _secret(value) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def configured(settings) -> bool:
    """True when HOTLINE_MAILBOX_IMAP_URL is set (and not empty)."""
    return settings.mailbox.mailbox_imap_url is not None and bool(_secret(settings.mailbox.mailbox_imap_url))


class _AlreadyTaken(Exception):
    pass


class MailboxPoller:
    """`fault(point, uid)`: called at "fetched" and "before_commit" for each message — a test's way
    to stop the poller in the middle, as a crash would (by raising a BaseException: an Exception
    is a failure of that one message, recorded)."""

    def __init__(self, resources: Resources, *, fault: Callable[[str, int], None] | None = None) -> None:
        self.resources = resources
        self.settings = resources.settings.mailbox
        self.fault = fault or (lambda point, uid: None)

    @property
    def configured(self) -> bool:
        return configured(self.resources.settings)

    async def poll_once(self, *, limit: int | None = None) -> PollReport:
        """Take the folder's new messages (at most `limit`), oldest first."""
        report = PollReport()
        if not self.configured:
            return report
        folder = self.settings.mailbox_folder
        imap = await asyncio.to_thread(transport.Imap, _secret(self.settings.mailbox_imap_url), folder)
        try:
            report.uidvalidity = imap.uidvalidity
            async with self.resources.sessionmaker() as session:
                last = await session.scalar(select(func.max(MailboxMessage.uid)).where(
                    MailboxMessage.folder == folder, MailboxMessage.uidvalidity == imap.uidvalidity)) or 0
            uids = await asyncio.to_thread(imap.uids_after, last)
            for uid in uids[:limit]:
                raw = await asyncio.to_thread(imap.fetch, uid)
                self.fault("fetched", uid)
                number = await self._take(folder, imap.uidvalidity, uid, raw)
                if number:
                    report.taken.append(number)
                    with contextlib.suppress(Exception):  # the flag is for people reading the mailbox
                        await asyncio.to_thread(imap.mark_seen, uid)
                elif number is not None:
                    report.skipped.append(uid)
        finally:
            await asyncio.to_thread(imap.close)
        return report

    async def _take(self, folder: str, uidvalidity: int, uid: int, raw: bytes | None) -> str | None:
        """The ticket number made ("" when recorded without one; None when another poller took it)."""
        portal = self.resources.settings.portal
        mail = None if raw is None else parse.parse(
            raw, own_address=self.settings.mailbox_reply_from, max_files=ATTACHMENT_COUNT,
            max_total=portal.portal_attachments_max_bytes)
        try:
            async with UnitOfWork(self.resources.sessionmaker(), EventBus.for_resources(self.resources)) as uow:
                row = MailboxMessage(folder=folder, uidvalidity=uidvalidity, uid=uid, reply_attempts=0,
                                     message_id=mail.message_id if mail else None,
                                     sender=(mail.sender or "")[:320] or None if mail else None, taken_at=utcnow())
                uow.session.add(row)
                try:
                    await uow.session.flush()  # the unique key: a second poller stops here
                except IntegrityError:
                    raise _AlreadyTaken from None
                number = await self._record(uow, row, mail)
                self.fault("before_commit", uid)
            return number
        except _AlreadyTaken:
            return None
        except Exception as error:  # a message that cannot be taken is recorded, not retried for ever
            log.exception("mailbox message could not be taken", extra={"uid": uid})
            return await self._record_failure(folder, uidvalidity, uid, mail, error)

    async def _record(self, uow: UnitOfWork, row: MailboxMessage, mail: parse.Mail | None) -> str:
        if mail is None:
            row.skipped = "expunged before it was fetched"
            return ""
        if mail.machine:
            row.skipped = mail.machine[:200]
            return ""
        if mail.message_id and await uow.session.scalar(select(MailboxMessage.id).where(
                MailboxMessage.message_id == mail.message_id, MailboxMessage.folder == row.folder,
                MailboxMessage.uidvalidity != row.uidvalidity, MailboxMessage.ticket_id.is_not(None))):
            row.skipped = "already taken before the folder's UIDVALIDITY changed"
            return ""
        phone = None
        if mail.phone:
            with contextlib.suppress(ValueError):
                phone = normalise_phone(mail.phone)
        data = RequestData(content=parse.content_of(mail), name=mail.sender_name, phone=phone,
                           email=mail.sender, subject=mail.subject or None, attachments=mail.files)
        submission = await submit_request(uow, self.resources, data, channel=Channel.MAILBOX)
        row.ticket_id = submission.ticket_id
        return submission.number

    async def _record_failure(self, folder, uidvalidity, uid, mail, error) -> str | None:
        try:
            async with UnitOfWork(self.resources.sessionmaker()) as uow:
                uow.session.add(MailboxMessage(
                    folder=folder, uidvalidity=uidvalidity, uid=uid, reply_attempts=0, taken_at=utcnow(),
                    message_id=mail.message_id if mail else None, sender=mail.sender if mail else None,
                    skipped=f"error: {type(error).__name__}: {error}"[:200]))
        except IntegrityError:
            return None
        return ""

    async def send_replies(self) -> int:
        """Send the automatic replies still owed (each row locked while it is sent); how many went."""
        if self.resources.settings.mailbox.smtp_url is None or not _secret(self.resources.settings.mailbox.smtp_url):
            return 0
        url = _secret(self.resources.settings.mailbox.smtp_url)
        sent = 0
        for _ in range(REPLY_BATCH):
            async with self.resources.sessionmaker() as session, session.begin():
                query = (select(MailboxMessage, Ticket.number, IntakeRequest.subject)
                         .join(Ticket, Ticket.id == MailboxMessage.ticket_id)
                         .outerjoin(IntakeRequest, IntakeRequest.ticket_id == Ticket.id)
                         .where(MailboxMessage.reply_sent_at.is_(None), MailboxMessage.sender.is_not(None),
                                MailboxMessage.reply_attempts < MAX_REPLY_ATTEMPTS)
                         .order_by(MailboxMessage.id).limit(1))
                if session.bind.dialect.name == "postgresql":
                    query = query.with_for_update(of=MailboxMessage, skip_locked=True)
                found = (await session.execute(query)).first()
                if found is None:
                    return sent
                row, number, subject = found
                mail = parse.Mail(message_id=row.message_id, sender=row.sender, sender_name=None,
                                  subject=subject or "", text="")
                message = parse.auto_reply(mail, number=number, sender_from=self.settings.mailbox_reply_from)
                row.reply_attempts += 1
                try:
                    await asyncio.to_thread(transport.send, url, message)
                except Exception as error:  # noqa: BLE001 — kept for the next pass, the error shown
                    row.reply_error = f"{type(error).__name__}: {error}"[:500]
                    log.warning("mailbox auto-reply failed", extra={"number": number})
                    continue
                row.reply_sent_at, row.reply_error = utcnow(), None
                sent += 1
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        """Poll and reply every HOTLINE_MAILBOX_POLL_SECONDS until stop is set."""
        while not stop.is_set():
            try:
                report = await self.poll_once()
                if report.taken:
                    log.info("mailbox messages taken", extra={"count": len(report.taken)})
                await self.send_replies()
            except Exception:  # one failed poll (server away) must not end the loop
                log.exception("mailbox poll failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.mailbox_poll_seconds)
