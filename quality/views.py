"""Samples as the quality-inspection page lists and opens them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from models import Call, QualityForm, QualitySample, QualityScore, Recording, Transcript, User
from quality import repository
from quality.schemas import FormOut, SampleDetail, SampleOut, ScoreOut
from quality.service import default_form, sample_in_scope
from transcription.service import snippet, text_matches
from transcription.views import call_transcripts

PAGE = 200


async def list_samples(session: AsyncSession, principal: Principal, *, status: str | None, week: str | None,
                       reason: str | None, agent_id: int | None, q: str | None) -> list[SampleOut]:
    query = (select(QualitySample, User.display_name, Call.started_at, Transcript.flags, Transcript.text,
                    QualityScore.total)
             .join(User, User.id == QualitySample.agent_id).join(Call, Call.id == QualitySample.call_id)
             .outerjoin(Transcript, Transcript.call_id == QualitySample.call_id)
             .outerjoin(QualityScore, QualityScore.sample_id == QualitySample.id)
             .where(principal.scope.region_clause(QualitySample.region_code))
             .order_by(QualitySample.status, Call.started_at.desc(), QualitySample.id.desc()).limit(PAGE))
    for column, value in ((QualitySample.status, status), (QualitySample.week, week),
                          (QualitySample.reason, reason), (QualitySample.agent_id, agent_id)):
        if value is not None:
            query = query.where(column == value)
    if q:
        query = query.where(text_matches(q))
    out: list[SampleOut] = []
    seen: set[int] = set()
    for sample, agent_name, started_at, flags, text, total in (await session.execute(query)).all():
        if sample.id in seen:  # a call with two recordings: listed once
            continue
        seen.add(sample.id)
        out.append(SampleOut(id=sample.id, call_id=sample.call_id, agent_id=sample.agent_id, agent_name=agent_name,
                             region_code=sample.region_code, week=sample.week, reason=sample.reason,
                             status=sample.status, call_started_at=started_at, flags=list(flags or []), total=total,
                             snippet=snippet(text or "", q) if q else None))
    return out


async def sample_detail(session: AsyncSession, principal: Principal, sample_id: int) -> SampleDetail:
    sample = await sample_in_scope(session, principal, sample_id)
    call = await session.get(Call, sample.call_id)
    agent = await session.get(User, sample.agent_id)
    given = await session.scalar(select(QualityScore).where(QualityScore.sample_id == sample.id))
    used = await session.get(QualityForm, given.form_id) if given else await default_form(session)
    recording = await session.scalar(select(Recording).where(Recording.call_id == call.id).order_by(Recording.id)
                                     .limit(1))
    transcripts = await call_transcripts(session, call.id)
    flags = [f for t in transcripts for f in t.flags]
    return SampleDetail(
        sample=SampleOut(id=sample.id, call_id=sample.call_id, agent_id=sample.agent_id,
                         agent_name=agent.display_name if agent else str(sample.agent_id),
                         region_code=sample.region_code, week=sample.week, reason=sample.reason, status=sample.status,
                         call_started_at=call.started_at, flags=flags, total=given.total if given else None),
        recording_id=recording.id if recording else None,
        recording_seconds=recording.duration_seconds if recording else None,
        ticket_number=await repository.ticket_number_of(session, call), transcripts=transcripts,
        form=FormOut.model_validate(used), score=ScoreOut.model_validate(given) if given else None)
