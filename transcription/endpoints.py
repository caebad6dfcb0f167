"""Transcripts API: a call's transcript (shown on the workbench's ticket page) and the search
over transcripts (quality inspection). Like the recording, hotline side only (R-17, R-25): the
call's own seats and the region's supervisors, auditors and admins — never handling units."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from calls.visibility import may_hear
from core.errors import NotFound
from models import Call, Transcript
from transcription.schemas import CallTranscripts, SearchHit
from transcription.service import snippet, text_matches
from transcription.views import call_transcripts
from web.deps import IdPath, SessionDep, require

router = APIRouter(prefix="/transcripts", tags=["transcription"])
Listener = Annotated[Principal, Depends(require(Permission.RECORDING_READ))]
Searcher = Annotated[Principal, Depends(require(Permission.QUALITY_READ))]


@router.get("/calls/{call_id}", response_model=CallTranscripts)
async def read_call_transcripts(call_id: IdPath, session: SessionDep, principal: Listener) -> CallTranscripts:
    """The call's transcripts, segment by segment with party and seconds (every read audited)."""
    call = await session.get(Call, call_id)
    if call is None or not await may_hear(session, principal, call):
        raise NotFound(f"通话 {call_id} 不存在 (no such call)")
    transcripts = await call_transcripts(session, call_id)
    if transcripts:
        await record(session, action="transcript_read", actor_id=principal.user_id,
                     actor_username=principal.username, resource_type="call", resource_id=call_id, detail={})
    return CallTranscripts(call_id=call_id, transcripts=transcripts)


@router.get("/search", response_model=list[SearchHit])
async def search(session: SessionDep, principal: Searcher,
                 q: Annotated[str, Query(min_length=1, max_length=100)],
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[SearchHit]:
    """Transcripts of one's region holding `q` (spaces between Chinese characters ignored)."""
    rows = (await session.execute(
        select(Transcript, Call.started_at, Call.agent_id).join(Call, Call.id == Transcript.call_id)
        .where(Transcript.status == "done", text_matches(q), principal.scope.region_clause(Call.region_code))
        .order_by(Call.started_at.desc()).limit(limit))).all()
    return [SearchHit(call_id=t.call_id, transcript_id=t.id, started_at=started_at, agent_id=agent_id,
                      snippet=snippet(t.text, q), flags=list(t.flags or [])) for t, started_at, agent_id in rows]
