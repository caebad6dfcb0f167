"""Recordings API (R-17): metadata, the audio for authorised users (every access audited),
and legal hold. Recordings belong to the hotline side (R-25, R-35): the call's own seats and
the supervisors, auditors and admins of its region (calls.visibility); never handling units."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from calls.schemas import RecordingOut
from calls.visibility import may_hear
from core.errors import NotFound
from models import Call, Recording
from recordings.service import absolute_path
from web.deps import IdPath, ResourcesDep, SessionDep, require

router = APIRouter(prefix="/recordings", tags=["recordings"])
Listener = Annotated[Principal, Depends(require(Permission.RECORDING_READ))]
Manager = Annotated[Principal, Depends(require(Permission.ACD_MANAGE))]


class LegalHoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    legal_hold: bool


async def _get(session, recording_id: int, principal: Principal) -> Recording:
    """The recording if this principal may hear its call; NotFound otherwise (no hint it exists)."""
    recording = await session.get(Recording, recording_id)
    call = await session.get(Call, recording.call_id) if recording else None
    if recording is None or call is None or not await may_hear(session, principal, call):
        raise NotFound(f"录音 {recording_id} 不存在 (no such recording)")
    return recording


@router.get("/{recording_id}", response_model=RecordingOut)
async def read_recording(recording_id: IdPath, session: SessionDep, principal: Listener) -> Recording:
    """Metadata of a recording (duration, size, SHA-256, retention)."""
    return await _get(session, recording_id, principal)


@router.get("/{recording_id}/audio", response_class=FileResponse)
async def recording_audio(recording_id: IdPath, session: SessionDep, resources: ResourcesDep,
                          principal: Listener) -> FileResponse:
    """The WAV file (a caller's voice is personal data: every playback is audited, R-35)."""
    recording = await _get(session, recording_id, principal)
    path = absolute_path(resources.settings, recording)
    if not path.is_file():
        raise NotFound("录音文件缺失 (file missing)")
    await record(session, action="recording_played", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="recording", resource_id=recording_id, detail={"call_id": recording.call_id})
    return FileResponse(path, media_type="audio/wav", filename=f"call-{recording.call_id}.wav")


@router.put("/{recording_id}/legal-hold", response_model=RecordingOut)
async def legal_hold(recording_id: IdPath, body: LegalHoldRequest, session: SessionDep,
                     principal: Manager) -> Recording:
    """Keep a recording beyond its retention date (complaint, litigation)."""
    recording = await _get(session, recording_id, principal)
    recording.legal_hold = body.legal_hold
    await record(session, action="recording_legal_hold", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="recording", resource_id=recording_id,
                 detail={"legal_hold": body.legal_hold})
    return recording
