"""Ticket attachments (附件): upload by sniffed type within the size limit, scope, the hidden
caller's files kept on the hotline side (R-25), download headers and audit, refusals store nothing."""
from __future__ import annotations

import dataclasses
import hashlib
import stat
from pathlib import Path

import httpx
from sqlalchemy import func, select

from api.app import create_app
from models import AuditEvent, TicketAttachment
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name: str, data: bytes, content_type: str = "application/octet-stream") -> dict:
    return {"file": (name, data, content_type)}


async def _upload(client, headers, ticket_id: int, name: str, data: bytes, content_type: str = "image/jpeg"):
    return await client.post(f"/api/v1/tickets/{ticket_id}/attachments", headers=headers,
                             files=_file(name, data, content_type))


def _stored(var_dir: Path, ticket_id: int) -> list[Path]:
    directory = Path(var_dir) / "attachments" / str(ticket_id)
    return sorted(directory.iterdir()) if directory.exists() else []


async def test_hotline_and_unit_attach_list_and_download(client, session, resources):
    agent, unit, other = await login(client, "agent1001"), await login(client, "wh_zjj"), await login(client, "cd_water")
    ticket = await create(client, agent)
    photo = await _upload(client, agent, ticket["id"], "../现场照片.JPG", JPEG)
    assert photo.status_code == 201, photo.text
    photo = photo.json()
    assert photo["filename"] == "现场照片.jpg" and photo["content_type"] == "image/jpeg"
    assert photo["side"] == "hotline" and photo["hotline_only"] is False and photo["size"] == len(JPEG)
    assert photo["sha256"] == hashlib.sha256(JPEG).hexdigest() and photo["uploaded_by"] == "agent1001"
    # not the unit's yet: neither visible nor addable
    assert (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=unit)).status_code == 404
    assert (await _upload(client, unit, ticket["id"], "a.pdf", PDF)).status_code == 404

    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    proof = await _upload(client, unit, ticket["id"], "整改报告.pdf", PDF, "text/plain")
    assert proof.status_code == 201, proof.text
    proof = proof.json()
    assert proof["side"] == "unit" and proof["content_type"] == "application/pdf"
    assert proof["unit_name"] == "武侯区住房建设和交通运输局"

    listed = (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=unit)).json()
    assert [a["id"] for a in listed] == [photo["id"], proof["id"]]
    download = await client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{photo['id']}", headers=unit)
    assert download.status_code == 200 and download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E7%8E%B0" in disposition
    downloads = await session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "ticket_attachment_downloaded", AuditEvent.actor_username == "wh_zjj"))
    assert downloads == 1

    # another unit: the ticket and its attachments do not exist for it
    for response in (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=other),
                     await client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{photo['id']}", headers=other),
                     await _upload(client, other, ticket["id"], "x.png", PNG)):
        assert response.status_code == 404, response.text
    # an attachment id of another ticket through this one's path
    second = await create(client, agent, content="另一张工单：玉林路路灯不亮")
    assert (await client.get(f"/api/v1/tickets/{second['id']}/attachments/{photo['id']}",
                             headers=agent)).status_code == 404

    files = _stored(resources.settings.storage.var_dir, ticket["id"])
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700


async def test_a_hidden_callers_attachment_never_reaches_units(client, session):
    agent, unit, supervisor = await login(client, "agent1001"), await login(client, "wh_zjj"), await login(client, "supervisor")
    ticket = await create(client, agent, caller={"name": "李四", "phone": "13900002222", "confidential": True})
    secret = (await _upload(client, agent, ticket["id"], "李四身份证.png", PNG)).json()
    assert secret["hotline_only"] is True
    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    assert (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=unit)).json() == []
    assert (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{secret['id']}",
                             headers=unit)).status_code == 404
    # the unit's own proof of handling on such a ticket is the unit's and the hotline's
    proof = (await _upload(client, unit, ticket["id"], "现场.jpg", JPEG)).json()
    assert proof["hotline_only"] is False
    assert [a["id"] for a in (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments",
                                               headers=unit)).json()] == [proof["id"]]
    seen = (await client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=supervisor)).json()
    assert [a["id"] for a in seen] == [secret["id"], proof["id"]]
    got = await client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{secret['id']}", headers=supervisor)
    assert got.status_code == 200 and got.content == PNG


async def test_refused_uploads_store_nothing(client, session, resources):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent)
    cases = [
        (_file("photo.jpg", b"GIF89a not a kept type", "image/jpeg"), 415, "unsupported_attachment_type"),
        (_file("page.pdf", b"<html><script>alert(1)</script>", "application/pdf"), 415, "unsupported_attachment_type"),
        (_file("empty.png", b"", "image/png"), 422, "empty_attachment"),
        ({"other": ("x.jpg", JPEG, "image/jpeg")}, 422, None),
    ]
    for files, status, code in cases:
        response = await client.post(f"/api/v1/tickets/{ticket['id']}/attachments", headers=agent, files=files)
        assert response.status_code == status, response.text
        if code:
            assert response.json()["code"] == code
    not_multipart = await client.post(f"/api/v1/tickets/{ticket['id']}/attachments", headers=agent,
                                      json={"file": "x"})
    assert not_multipart.status_code == 422

    small = dataclasses.replace(resources, settings=resources.settings.replace(attachment_max_bytes=100))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(resources=small)),
                                 base_url="http://testserver") as limited:
        too_big = await _upload(limited, agent, ticket["id"], "big.jpg", JPEG)
        assert too_big.status_code == 413 and too_big.json()["code"] == "attachment_too_large"
    assert _stored(resources.settings.storage.var_dir, ticket["id"]) == []
    rows = await session.scalar(select(func.count()).select_from(TicketAttachment)
                                .where(TicketAttachment.ticket_id == ticket["id"]))
    assert rows == 0


async def test_an_upload_may_exceed_the_general_body_limit_up_to_its_own(client, resources):
    agent = await login(client, "agent1001")
    ticket = await create(client, agent)
    narrow = dataclasses.replace(resources, settings=resources.settings.replace(max_body_bytes=2_000,
                                                                                attachment_max_bytes=6_000))
    big_photo = JPEG + b"\x02" * 4_000
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(resources=narrow)),
                                 base_url="http://testserver") as http:
        accepted = await _upload(http, agent, ticket["id"], "big.jpg", big_photo)
        assert accepted.status_code == 201, accepted.text
        over_own = await _upload(http, agent, ticket["id"], "bigger.jpg", big_photo * 3)
        assert over_own.status_code == 413 and over_own.json()["code"] == "attachment_too_large"
        over_body = await _upload(http, agent, ticket["id"], "huge.jpg", big_photo * 6)  # past limit + framing
        assert over_body.status_code == 413 and over_body.json()["code"] == "body_too_large"
        elsewhere = await http.post("/api/v1/tickets", headers={**agent, "Content-Type": "application/json"},
                                    content=b"{" + b" " * 3_000 + b"}")
        assert elsewhere.status_code == 413  # every other route keeps HOTLINE_MAX_BODY_BYTES
    assert len(_stored(resources.settings.storage.var_dir, ticket["id"])) == 1
