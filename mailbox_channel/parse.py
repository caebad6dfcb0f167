"""What a mail says, pure: sender, subject, text, files, and whether it is a machine's (no ticket,
no reply: auto-replies, bounces, lists — a reply to them could loop)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html import unescape

from intake.schemas import IncomingFile
from workorders import attachments

PHONE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})(?![0-9])")
MACHINE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply|bounce)", re.IGNORECASE)
CONTENT_LIMIT = 4000
SUBJECT_LIMIT = 500


@dataclass
class Mail:
    message_id: str | None
    sender: str | None  # the address replies go to
    sender_name: str | None
    subject: str
    text: str
    files: list[IncomingFile] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # files not kept (type, size, count) and why
    machine: str | None = None  # why it is a machine's mail, or None
    phone: str | None = None  # a phone number the citizen wrote in the text


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: the bytes as latin-1 rather than nothing
        text = (part.get_payload(decode=True) or b"").decode("latin-1")
    if part.get_content_subtype() == "html":
        text = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", text)))
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def _machine(message: EmailMessage, sender: str | None, own: str) -> str | None:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"auto-submitted: {auto}"
    if (message.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list"):
        return "precedence: bulk"
    if message.get("List-Id") or message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "list or auto-reply"
    if not sender:
        return "no sender"
    if MACHINE_SENDERS.match(sender) or sender.lower() == own.lower():
        return "machine sender"
    return None


def parse(raw: bytes, *, own_address: str, max_files: int, max_total: int) -> Mail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = parseaddr(str(message.get("Reply-To") or message.get("From") or ""))
    sender = address.strip() or None
    subject = " ".join(str(message.get("Subject") or "").split())[:SUBJECT_LIMIT]
    text = _text_of(message)
    files, dropped, total = [], [], 0
    for part in message.iter_attachments():
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename() or "附件"
        kind = attachments.sniff(data[:16]) if data else None
        if kind is None:
            dropped.append(f"{filename}（类型不支持）")
        elif len(files) >= max_files:
            dropped.append(f"{filename}（超过 {max_files} 个）")
        elif total + len(data) > max_total:
            dropped.append(f"{filename}（超过大小限制）")
        else:
            files.append(IncomingFile(filename, data))
            total += len(data)
    phone = PHONE_IN_TEXT.search(text)
    message_id = str(message.get("Message-ID") or "").strip()[:500] or None
    return Mail(message_id=message_id, sender=sender, sender_name=(name or None) and name[:64], subject=subject,
                text=text, files=files, dropped=dropped, machine=_machine(message, sender, own_address),
                phone=phone.group(1) if phone else None)


def content_of(mail: Mail) -> str:
    """The request's content: the subject and the text (and a word on files not kept)."""
    parts = [f"【邮件主题】{mail.subject}" if mail.subject else "", mail.text]
    if mail.dropped:
        parts.append("【未保存的附件】" + "；".join(mail.dropped))
    content = "\n".join(p for p in parts if p).strip() or "（邮件无正文）"
    return content[:CONTENT_LIMIT]


def auto_reply(mail: Mail, *, number: str, sender_from: str) -> EmailMessage:
    """The automatic reply telling the sender the request's number."""
    reply = EmailMessage()
    reply["From"] = sender_from
    reply["To"] = mail.sender
    reply["Subject"] = f"已收到您的来信，诉求编号 {number}"
    reply["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply to this one
    if mail.message_id:
        reply["In-Reply-To"] = mail.message_id
        reply["References"] = mail.message_id
    reply.set_content(
        f"您好！\n\n四川12345政务服务便民热线已收到您的来信（主题：{mail.subject or '无'}）。\n"
        f"诉求编号：{number}\n\n工作人员将尽快受理，并按规定时限转交承办单位办理。\n"
        "查询办理进度请使用诉求编号和您留下的联系电话，或拨打 12345。\n\n此邮件由系统自动发送，请勿直接回复。\n")
    return reply
