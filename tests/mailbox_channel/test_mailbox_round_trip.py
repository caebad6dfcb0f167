"""The mailbox (信箱) round trip through a real Dovecot and a real SMTP receiver: each new mail
becomes a request (channel mailbox) waiting in the intake queue, its sender gets the number; a
poller stopped in the middle (a crash before its commit) and started again loses nothing and
takes nothing twice, nor does a folder renumbered by the server (a new UIDVALIDITY)."""
from __future__ import annotations

import dataclasses
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from mailbox_channel.worker import MailboxPoller
from models import IntakeRequest, MailboxMessage, Ticket, TicketAttachment
from tests.mailbox_channel.servers import dovecot, smtp_receiver

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OWN = "12345@hotline.example"


class Crash(BaseException):
    """The process dying in the middle (not an error of one message)."""


def mail(n: int, *, sender: str, subject: str, text: str, png: bool = False, machine: bool = False) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"市民{n} <{sender}>"
    message["To"] = OWN
    message["Subject"] = subject
    message["Message-ID"] = f"<mail-{n}@citizens.example>"
    if machine:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(text)
    if png:
        message.add_attachment(PNG, maintype="image", subtype="png", filename="现场照片.png")
        message.add_attachment(b"MZ\x90\x00 not a photo", maintype="application", subtype="octet-stream",
                               filename="tool.exe")
    return message


async def _count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def servers():
    with dovecot() as imap, smtp_receiver() as (smtp_url, inbox):
        yield imap, smtp_url, inbox


async def test_mails_become_requests_once_across_a_crash_and_a_renumbered_folder(servers, resources, session):
    imap, smtp_url, inbox = servers
    settings = resources.settings.replace(mailbox_imap_url=imap.url, smtp_url=smtp_url, mailbox_reply_from=OWN)
    res = dataclasses.replace(resources, settings=settings)
    imap.append(mail(1, sender="wang@citizens.example", subject="小区噪音扰民",
                     text="您好，我家楼下烧烤店每晚营业到凌晨两点，噪音很大。联系电话 13900001234。"))
    imap.append(mail(2, sender="li@citizens.example", subject="道路积水", png=True,
                     text="武侯区玉林北路下雨后积水严重，附照片。"))
    imap.append(mail(3, sender="robot@citizens.example", subject="自动回复：我不在办公室", text="休假中",
                     machine=True))
    before = await _count(session, Ticket)

    def crash_on_second(point: str, uid: int) -> None:
        if point == "before_commit" and uid == 2:
            raise Crash

    with pytest.raises(Crash):  # taken: message 1; message 2 was being taken when the process died
        await MailboxPoller(res, fault=crash_on_second).poll_once()
    assert await _count(session, Ticket) == before + 1
    assert await _count(session, MailboxMessage) == 1

    restarted = MailboxPoller(res)  # a new process: nothing carried over but the database
    report = await restarted.poll_once()
    assert len(report.taken) == 1 and report.skipped == [3]
    assert (await restarted.poll_once()).taken == []  # nothing new: nothing taken twice
    assert await _count(session, Ticket) == before + 2

    rows = (await session.scalars(select(MailboxMessage).order_by(MailboxMessage.uid))).all()
    assert [r.uid for r in rows] == [1, 2, 3] and rows[2].ticket_id is None and "auto" in rows[2].skipped
    first, second = (await session.get(Ticket, rows[0].ticket_id)), (await session.get(Ticket, rows[1].ticket_id))
    assert first.channel == second.channel == "mailbox"
    assert first.status == second.status == "pending_intake"  # unclassified: an agent accepts it
    assert "小区噪音扰民" in first.content and "烧烤店" in first.content
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == first.id))
    assert intake.email == "wang@citizens.example" and intake.subject == "小区噪音扰民"
    assert "caller.phone" not in intake.missing  # the number written in the mail
    files = (await session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == second.id))).all()
    assert [(f.content_type, f.filename) for f in files] == [("image/png", "现场照片.png")]
    assert "tool.exe" in second.content  # the refused file is named, not silently dropped

    # the automatic replies: one per request, to its sender, with its number; never twice
    assert await restarted.send_replies() == 2
    assert await restarted.send_replies() == 0
    replies = {m["X-Envelope-To"]: m for m in inbox.received}
    assert set(replies) == {"wang@citizens.example", "li@citizens.example"}
    assert first.number in replies["wang@citizens.example"]["Subject"]
    assert second.number in replies["li@citizens.example"].get_content()
    assert replies["wang@citizens.example"]["Auto-Submitted"] == "auto-replied"
    assert replies["wang@citizens.example"]["In-Reply-To"] == "<mail-1@citizens.example>"

    # the server renumbers the folder (new UIDVALIDITY): the same mails are not taken again,
    # a new one is
    old_validity = rows[0].uidvalidity
    imap.stop()
    imap.renumber(old_validity + 1000)
    imap.start()
    imap.append(mail(4, sender="zhao@citizens.example", subject="路灯不亮", text="玉林南路路灯坏了"))
    report = await MailboxPoller(res).poll_once()
    assert report.uidvalidity == old_validity + 1000
    assert len(report.taken) == 1 and len(report.skipped) == 3
    assert await _count(session, Ticket) == before + 3
    assert await restarted.send_replies() == 1 and len(inbox.received) == 3
