"""The portal's public API (/api/v1/public/…): no token; per-address limits, a proof-of-work
challenge on submissions (HOTLINE_PORTAL_CHALLENGE=false turns it off), size limits. Thin: the
request's unit of work commits what intake.service.submit_request and portal.service wrote."""
from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from core.context import client_ip_var
from core.errors import Forbidden
from intake.schemas import ATTACHMENT_COUNT, IncomingFile, RequestData
from intake.service import submit_request
from models import Region
from portal import challenge, limits, service
from portal.schemas import ChallengeOut, EvaluationIn, PortalRequest, SubmittedOut, TrackOut
from web.deps import ResourcesDep, SessionDep, UnitOfWorkDep
from workorders.schemas import Channel

router = APIRouter(prefix="/public", tags=["portal"])
Number = Annotated[str, Query(min_length=1, max_length=32)]
Phone = Annotated[str, Query(min_length=1, max_length=32, description="the phone the request was submitted with")]
FIELDS = tuple(PortalRequest.model_fields)
CHALLENGE_HEADER, SOLUTION_HEADER = "X-Portal-Challenge", "X-Portal-Solution"


class ChallengeFailed(Forbidden):
    code = "challenge_failed"


def _invalid(errors: list[dict[str, Any]]) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors])


async def _read(request: Request, limit: int) -> tuple[dict[str, Any], list[IncomingFile]]:
    """The form fields (and files) or the JSON object of a submission."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=ATTACHMENT_COUNT + 1, max_fields=len(FIELDS) + 5)
        fields: dict[str, Any] = {}
        files: list[IncomingFile] = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "attachments":
                    raise _invalid([{"loc": (key,), "msg": "unexpected file", "type": "extra_forbidden"}])
                if value.filename or value.size:
                    files.append(IncomingFile(value.filename, await value.read(limit + 1)))
            elif key in fields:
                raise _invalid([{"loc": (key,), "msg": "given twice", "type": "value_error"}])
            else:
                fields[key] = value
        fields = {k: v for k, v in fields.items() if not (v == "" and k not in ("phone", "content"))}
        if fields.get("confidential") in ("on", "1", "yes"):
            fields["confidential"] = "true"
        return fields, files
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise RequestValidationError([{"loc": ("body",), "msg": "malformed JSON body", "type": "json_invalid"}]) \
            from None
    if not isinstance(body, dict):
        raise _invalid([{"loc": (), "msg": "a JSON object or a form is expected", "type": "model_type"}])
    return body, []


async def _check_challenge(request: Request, resources) -> None:
    settings = resources.settings.portal
    if not settings.portal_challenge:
        return
    try:
        solved = challenge.verify(resources.secret_key.encode(), request.headers.get(CHALLENGE_HEADER, ""),
                                  request.headers.get(SOLUTION_HEADER, ""), min_bits=settings.portal_challenge_bits,
                                  now=int(time.time()))
    except challenge.ChallengeRefused as refused:
        raise ChallengeFailed(f"安全验证未通过，请刷新页面后重试 (proof-of-work challenge {refused.reason})") from None
    if not await limits.first_use(resources.redis, solved.nonce, solved.expires - int(time.time()) + 1):
        raise ChallengeFailed("安全验证已使用，请刷新页面后重试 (challenge already used)")


@router.get("/challenge", response_model=ChallengeOut)
async def portal_challenge(resources: ResourcesDep) -> ChallengeOut:
    """A fresh proof-of-work challenge for one submission (enabled=false: none needed)."""
    settings = resources.settings.portal
    if not settings.portal_challenge:
        return ChallengeOut(enabled=False, challenge=None, bits=0, expires=None)
    issued = challenge.issue(resources.secret_key.encode(), bits=settings.portal_challenge_bits,
                             now=int(time.time()), ttl=settings.portal_challenge_ttl_seconds)
    return ChallengeOut(enabled=True, challenge=issued.token, bits=issued.bits, expires=issued.expires)


@router.post("/requests", status_code=201, response_model=SubmittedOut)
async def submit(request: Request, uow: UnitOfWorkDep, resources: ResourcesDep) -> SubmittedOut:
    """Submit a request (multipart form: name, phone, category, region_code, address, occurred_at,
    content, confidential, up to 5 `attachments`; or the same as JSON without files). The challenge
    goes in the X-Portal-Challenge / X-Portal-Solution headers. 201 with the number; 422 names the
    field; 403 without a solved challenge; 413/415 for files; 429 past the address's limit."""
    settings = resources.settings.portal
    await limits.hit(resources.redis, "submit", client_ip_var.get(), limit=settings.portal_submissions_per_hour,
                     window_seconds=3600)
    await _check_challenge(request, resources)
    fields, files = await _read(request, settings.portal_attachments_max_bytes)
    try:
        body = PortalRequest.model_validate(fields)
    except ValidationError as error:
        raise _invalid(error.errors()) from None
    data = RequestData(attachments=files, **body.model_dump())
    submission = await submit_request(uow, resources, data, channel=Channel.WEB)
    status, label = service.public_status(submission.status)
    return SubmittedOut(number=submission.number, status=status, status_label=label,
                        attachments=len(submission.attachment_ids), track_url=f"/portal/#track/{submission.number}")


@router.get("/requests/{number}", response_model=TrackOut)
async def track(number: str, phone: Phone, session: SessionDep, resources: ResourcesDep) -> TrackOut:
    """Status and public steps of a request; 404 for a wrong number or phone alike."""
    await limits.hit(resources.redis, "lookup", client_ip_var.get(),
                     limit=resources.settings.portal.portal_lookups_per_minute, window_seconds=60)
    return await service.track(session, number[:32], phone)


@router.post("/requests/{number}/evaluation", response_model=TrackOut)
async def evaluate(number: str, body: EvaluationIn, uow: UnitOfWorkDep, resources: ResourcesDep) -> TrackOut:
    """The citizen's evaluation of the reply (满意/不满意), recorded as the callback with method web."""
    await limits.hit(resources.redis, "lookup", client_ip_var.get(),
                     limit=resources.settings.portal.portal_lookups_per_minute, window_seconds=60)
    return await service.evaluate(uow, resources, number[:32], body)


@router.get("/regions")
async def regions(session: SessionDep) -> list[dict]:
    """The administrative divisions a citizen picks from (code, name, level, parent_code)."""
    rows = (await session.scalars(select(Region).order_by(Region.code))).all()
    return [{"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code} for r in rows]
