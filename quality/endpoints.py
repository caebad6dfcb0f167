"""Quality inspection API (质检, R-23, R-35): forms, samples, scoring, appeals, results.

Supervisors and admins score (quality:score), auditors read (quality:read), agents and expert
seats see their own scores and appeal each once (quality:self); handling units have none."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.errors import Unprocessable
from core.timeutil import utcnow
from models import Call
from quality import service, views
from quality.sampling import week_of
from quality.schemas import (
    AppealDecisionIn,
    AppealIn,
    DrawIn,
    DrawOut,
    FormIn,
    FormOut,
    ManualSampleIn,
    ResultsOut,
    SampleDetail,
    SampleOut,
    ScoreIn,
    ScoreOut,
    Week,
)
from web.deps import IdPath, ResourcesDep, SessionDep, require

router = APIRouter(prefix="/quality", tags=["quality"])
Scorer = Annotated[Principal, Depends(require(Permission.QUALITY_SCORE))]
Reader = Annotated[Principal, Depends(require(Permission.QUALITY_READ))]
Agent = Annotated[Principal, Depends(require(Permission.QUALITY_SELF))]
Reason = Literal["random", "complaint", "dissatisfied", "keyword", "manual"]


@router.get("/forms", response_model=list[FormOut])
async def list_forms(session: SessionDep, principal: Reader,
                     all_versions: Annotated[bool, Query(alias="all")] = False) -> list:
    """Scoring forms in use (with `all=true` every version, for the scores given on older ones)."""
    return await service.forms(session, all_versions=all_versions)


@router.post("/forms", response_model=FormOut, status_code=201)
async def create_form_version(body: FormIn, session: SessionDep, principal: Scorer):
    """A new version of a form: items with points (weights) and fatal items that zero a score."""
    return await service.new_form_version(session, principal, body)


@router.post("/samples/draw", response_model=DrawOut)
async def draw_samples(body: DrawIn, session: SessionDep, resources: ResourcesDep, principal: Scorer) -> DrawOut:
    """Draw the week's sample in one's region now (the scheduler also draws it every pass)."""
    week = body.week or week_of(utcnow())
    counts = await service.draw_week(session, week, resources.settings.quality.quality_sample_per_agent,
                                     principal.scope.region_clause(Call.region_code))
    return DrawOut(week=week, drawn=sum(counts.values()), by_reason=dict(counts))


@router.post("/samples", status_code=201)
async def add_sample(body: ManualSampleIn, session: SessionDep, principal: Scorer) -> dict:
    """Pick a call for inspection by hand (指定抽检; 409 if it is already in the sample)."""
    sample = await service.add_manual(session, principal, body.call_id)
    return {"id": sample.id, "call_id": sample.call_id, "week": sample.week, "reason": sample.reason}


@router.get("/samples", response_model=list[SampleOut])
async def list_samples(session: SessionDep, principal: Reader,
                       status: Literal["pending", "scored"] | None = None, week: Week | None = None,
                       reason: Reason | None = None, agent_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                       q: Annotated[str | None, Query(min_length=1, max_length=100)] = None) -> list[SampleOut]:
    """Samples of one's region, pending first; `q` searches the calls' transcripts."""
    return await views.list_samples(session, principal, status=status, week=week, reason=reason,
                                    agent_id=agent_id, q=q)


@router.get("/samples/{sample_id}", response_model=SampleDetail)
async def read_sample(sample_id: IdPath, session: SessionDep, principal: Reader) -> SampleDetail:
    """A sample with its recording, transcript (timed, per party), the form and the score if given."""
    detail = await views.sample_detail(session, principal, sample_id)
    if detail.transcripts:  # a caller's words are personal data, like the recording
        await record(session, action="transcript_read", actor_id=principal.user_id,
                     actor_username=principal.username, resource_type="call", resource_id=detail.sample.call_id,
                     detail={"sample_id": sample_id})
    return detail


@router.post("/samples/{sample_id}/score", response_model=ScoreOut, status_code=201)
async def score_sample(sample_id: IdPath, body: ScoreIn, session: SessionDep, principal: Scorer):
    return await service.score_sample(session, principal, sample_id, body)


@router.get("/my-scores", response_model=list[ScoreOut])
async def my_scores(session: SessionDep, principal: Agent) -> list:
    """The signed-in agent's own scores, newest first."""
    return await service.own_scores(session, principal)


@router.post("/scores/{score_id}/appeal", response_model=ScoreOut)
async def appeal(score_id: IdPath, body: AppealIn, session: SessionDep, principal: Agent):
    """Appeal one's own score, once."""
    return await service.appeal(session, principal, score_id, body.reason)


@router.get("/appeals", response_model=list[ScoreOut])
async def open_appeals(session: SessionDep, principal: Scorer) -> list:
    return await service.open_appeals(session, principal)


@router.post("/scores/{score_id}/appeal/decision", response_model=ScoreOut)
async def decide_appeal(score_id: IdPath, body: AppealDecisionIn, session: SessionDep, principal: Scorer):
    """Uphold (optionally scoring again on the same form) or reject an open appeal."""
    return await service.decide_appeal(session, principal, score_id, body)


@router.get("/results", response_model=ResultsOut)
async def results(session: SessionDep, principal: Reader, group_by: Literal["agent", "team"] = "agent",
                  since: datetime | None = None, until: datetime | None = None) -> ResultsOut:
    """Quality results per agent or team (the agent's unit) of scores given in [since, until)
    (default: the last 30 days) — what the reports read."""
    if (since and since.tzinfo is None) or (until and until.tzinfo is None):
        raise Unprocessable("since/until 需带时区 (timezone required)")
    try:
        until = (until or utcnow()).astimezone(UTC)
        since = (since or until - timedelta(days=30)).astimezone(UTC)
    except OverflowError as exc:
        raise Unprocessable("since/until 超出范围 (out of range)") from exc
    if since >= until:
        raise Unprocessable("since 须早于 until (since must be before until)")
    rows = await service.results(session, principal, since, until, group_by)
    return ResultsOut(group_by=group_by, since=since, until=until, rows=rows)
