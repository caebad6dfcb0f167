"""Ticket attachment API (附件): upload one file, list, download (thin: the rules are in
workorders/attachments.py; the request's unit of work commits).

Whoever may read a ticket reads its attachments, except those marked hotline-only (added on the
hotline side to a ticket with callers hidden from units, R-25): a unit gets 404 for them and never
sees them listed. Every download is audited.
"""
from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.errors import NotFound
from core.timeutil import business_time
from models import OrgUnit, TicketAttachment
from web.deps import IdPath, ResourcesDep, SessionDep, require
from workorders import attachments, repository, service
from workorders.state_machine import Side, Status

router = APIRouter(tags=["work orders"])
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]


def _out(attachment: TicketAttachment, unit_names: dict[int, str]) -> dict:
    return {"id": attachment.id, "ticket_id": attachment.ticket_id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
            "side": attachment.side, "unit_id": attachment.unit_id,
            "unit_name": unit_names.get(attachment.unit_id) if attachment.unit_id else None,
            "hotline_only": attachment.hotline_only, "uploaded_by": attachment.uploaded_by,
            "uploaded_at": business_time(attachment.uploaded_at)}


async def _unit_names(session, attachments_: list[TicketAttachment]) -> dict[int, str]:
    ids = {a.unit_id for a in attachments_ if a.unit_id}
    if not ids:
        return {}
    return dict((await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))).all())


@router.post("/tickets/{ticket_id}/attachments", status_code=201)
async def add_attachment(ticket_id: IdPath, file: UploadFile, session: SessionDep, resources: ResourcesDep,
                         principal: Reader) -> dict:
    """Attach one JPEG, PNG or PDF file (multipart field `file`). The type is read from the file's
    bytes (415 otherwise), the size is limited by HOTLINE_ATTACHMENT_MAX_BYTES (413), an empty file
    is 422. Hotline staff who take or dispatch tickets may attach while the ticket is open; a unit
    while the ticket is with it (dispatched, in progress, extension requested), 409 otherwise."""
    ticket = await repository.get_visible(session, principal, ticket_id)
    side = service.side_of(principal)
    attachments.upload_side(principal, side, Status(ticket.status))
    limit = resources.settings.workorders.attachment_max_bytes
    data = await file.read(limit + 1)
    media_type, extension = attachments.check(data, limit)
    callers = (await repository.callers_of(session, [ticket.id]))[ticket.id]
    attachment = await attachments.attach(
        session, attachments.root(resources.settings), ticket_id=ticket.id, data=data, filename=file.filename,
        media_type=media_type, extension=extension, side=side.value,
        unit_id=principal.org_unit_id if side is Side.UNIT else None,
        hotline_only=side is Side.HOTLINE and attachments.hidden_callers(callers),
        uploaded_by_id=principal.user_id, uploaded_by=principal.username)
    digest = attachment.sha256
    await record(session, action="ticket_attachment_added", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="ticket", resource_id=ticket.id,
                 detail={"attachment_id": attachment.id, "sha256": digest, "size": len(data),
                         "content_type": media_type, "hotline_only": attachment.hotline_only})
    return _out(attachment, await _unit_names(session, [attachment]))


@router.get("/tickets/{ticket_id}/attachments")
async def list_attachments(ticket_id: IdPath, session: SessionDep, principal: Reader) -> list[dict]:
    """The ticket's attachments this reader may see, oldest first (units: never the hotline-only ones)."""
    ticket = await repository.get_visible(session, principal, ticket_id)
    side = service.side_of(principal)
    rows = (await session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
                                  .order_by(TicketAttachment.id))).all()
    shown = [a for a in rows if attachments.readable(a, side)]
    names = await _unit_names(session, shown)
    return [_out(a, names) for a in shown]


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}", response_class=Response)
async def download_attachment(ticket_id: IdPath, attachment_id: IdPath, session: SessionDep,
                              resources: ResourcesDep, principal: Reader) -> Response:
    """The file itself, as a download (Content-Disposition: attachment, nosniff); audited."""
    ticket = await repository.get_visible(session, principal, ticket_id)
    attachment = await session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id \
            or not attachments.readable(attachment, service.side_of(principal)):
        raise NotFound(f"附件 {attachment_id} 不存在 (attachment not found)")
    data = await asyncio.to_thread(attachments.load, attachments.root(resources.settings), attachment)
    await record(session, action="ticket_attachment_downloaded", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="ticket", resource_id=ticket.id,
                 detail={"attachment_id": attachment.id, "sha256": attachment.sha256})
    fallback = f"attachment-{attachment.id}{attachments.extension_of(attachment.content_type)}"
    return Response(data, media_type=attachment.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(attachment.filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
