"""Ticket attachments (附件): photos and PDFs a caller sends or a unit adds as proof of handling.

Pure rules (what a file is, who may add or read one) and the thin file I/O under the attachments
directory (HOTLINE_ATTACHMENTS_DIR, by default <HOTLINE_VAR_DIR>/attachments; root()).
The type is read from the file's first bytes, never from the client's Content-Type or name: only
JPEG, PNG and PDF are kept. Files are written 0600 in 0700 directories (core/private_files.py),
named by a random id (the uploader's name is kept in the row, for the download only).
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import re
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from access.permissions import Permission
from access.principal import Principal
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.private_files import open_private, private_dirs
from core.settings import Settings
from core.timeutil import utcnow
from models import TicketAttachment, TicketCaller
from workorders.state_machine import Side, Status

ATTACHMENT_DIR = "attachments"
# the upload route (the body-size middleware lets its body reach the attachment limit)
UPLOAD_PATH = re.compile(r"^/api/v1/tickets/[0-9]+/attachments/?$")
MULTIPART_OVERHEAD = 16_384  # boundaries and part headers around the one file
NAME_LIMIT = 200

# the first bytes of each kept type → its media type and the extension a download gets
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
# a unit adds proof of handling while the ticket is with it
UNIT_UPLOAD_STATUSES = {Status.DISPATCHED, Status.IN_PROGRESS, Status.EXTENSION_REQUESTED}
CLOSED_TO_UPLOADS = {Status.ARCHIVED, Status.MERGED}


class AttachmentTooLarge(DomainError):
    status_code = 413
    code = "attachment_too_large"


class UnsupportedAttachment(DomainError):
    status_code = 415
    code = "unsupported_attachment_type"


class EmptyAttachment(DomainError):
    status_code = 422
    code = "empty_attachment"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) from the file's first bytes, or None when it is not a kept type."""
    for magic, media_type, extension in SIGNATURES:
        if head.startswith(magic):
            return media_type, extension
    return None


def extension_of(media_type: str) -> str:
    return next((extension for _, kind, extension in SIGNATURES if kind == media_type), "")


def clean_name(name: str | None, extension: str) -> str:
    """The uploader's file name without directories and control characters, at most 200 characters,
    ending in the extension of what the file really is."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: NAME_LIMIT - len(extension)] or "附件"
    return stem + extension


def hidden_callers(callers: Sequence[TicketCaller]) -> bool:
    return any(c.hidden_from_units for c in callers)


def upload_side(principal: Principal, side: Side, status: Status) -> None:
    """Refuse (403/409) an upload this principal may not make now; units only while the ticket is theirs."""
    if side is Side.UNIT:
        if not principal.can(Permission.TICKET_HANDLE):
            raise Forbidden("无权为工单添加附件 (no permission to attach files)", code="attachment_forbidden")
        if status not in UNIT_UPLOAD_STATUSES:
            raise Conflict("工单当前不在本单位办理，不能添加附件 (the ticket is not being handled by your unit)",
                           code="attachment_not_now")
        return
    if not (principal.can(Permission.TICKET_CREATE) or principal.can(Permission.TICKET_DISPATCH)):
        raise Forbidden("无权为工单添加附件 (no permission to attach files)", code="attachment_forbidden")
    if status in CLOSED_TO_UPLOADS:
        raise Conflict("工单已归档或已并单，不能添加附件 (the ticket is archived or merged)",
                       code="attachment_not_now")


def readable(attachment: TicketAttachment, side: Side) -> bool:
    """R-25: what came with a hidden caller stays on the hotline side."""
    return side is not Side.UNIT or not attachment.hotline_only


def check(data: bytes, limit: int) -> tuple[str, str]:
    """Media type and extension of an acceptable file, else the refusal (4xx)."""
    if not data:
        raise EmptyAttachment("附件为空 (empty file)")
    if len(data) > limit:
        raise AttachmentTooLarge(f"附件过大，上限 {limit} 字节 (attachment too large)")
    kind = sniff(data[:16])
    if kind is None:
        raise UnsupportedAttachment("只接受 JPEG、PNG 图片和 PDF 文件 (only JPEG, PNG and PDF files are accepted)")
    return kind


class TooManyAttachments(DomainError):
    status_code = 422
    code = "too_many_attachments"


def root(settings: Settings) -> Path:
    """The directory attachment files live in (storage names are relative to it)."""
    return Path(settings.workorders.attachments_dir or Path(settings.storage.var_dir) / ATTACHMENT_DIR)


def check_many(files: Sequence[bytes], *, count: int, total: int) -> list[tuple[str, str]]:
    """Check a set of files sent together (the portal, a mail): at most `count`, `total` bytes in all;
    each one a kept type (the refusals of check())."""
    if len(files) > count:
        raise TooManyAttachments(f"附件最多 {count} 个 (at most {count} attachments)")
    if sum(len(f) for f in files) > total:
        raise AttachmentTooLarge(f"附件合计不能超过 {total} 字节 (attachments too large in all)")
    return [check(data, total) for data in files]


async def attach(session: AsyncSession, directory: Path, *, ticket_id: int, data: bytes, filename: str | None,
                 media_type: str, extension: str, side: str, unit_id: int | None, hotline_only: bool,
                 uploaded_by_id: int | None, uploaded_by: str) -> TicketAttachment:
    """Store one checked file and add its row (flushed); the file is removed when the flush fails.
    A request that fails later must discard() what it stored (see discard_on_failure in callers)."""
    storage_name, digest = await asyncio.to_thread(store, directory, ticket_id, data, extension)
    attachment = TicketAttachment(
        ticket_id=ticket_id, filename=clean_name(filename, extension), content_type=media_type, size=len(data),
        sha256=digest, storage_name=storage_name, side=side, unit_id=unit_id, hotline_only=hotline_only,
        uploaded_by_id=uploaded_by_id, uploaded_by=uploaded_by, uploaded_at=utcnow())
    session.add(attachment)
    try:
        await session.flush()
    except BaseException:
        discard(directory, storage_name)
        raise
    return attachment


def store(directory: Path, ticket_id: int, data: bytes, extension: str) -> tuple[str, str]:
    """Write the bytes 0600 under <attachments dir>/<ticket>/; (storage name relative to it, SHA-256)."""
    directory_ = private_dirs(Path(directory), Path(str(ticket_id)))
    name = f"{uuid.uuid4().hex}{extension}"
    fd = open_private(directory_ / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return f"{ticket_id}/{name}", hashlib.sha256(data).hexdigest()


def load(directory: Path, attachment: TicketAttachment) -> bytes:
    """The stored bytes, checked against the SHA-256 kept when they were added (404 when the file
    is gone, 409 when it changed since: the row stays as the record of what was added)."""
    base = Path(directory).resolve()
    path = (base / attachment.storage_name).resolve()
    if base not in path.parents:
        raise NotFound("附件文件不存在 (attachment file missing)")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("附件文件不存在 (attachment file missing)") from None
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise Conflict("附件文件已被改动，与上传时不符 (attachment file changed since upload)",
                       code="attachment_changed")
    return data


def discard(directory: Path, storage_name: str) -> None:
    """Remove a file written for a request that then failed (its row was never committed)."""
    try:
        (Path(directory) / storage_name).unlink()
    except FileNotFoundError:
        pass
