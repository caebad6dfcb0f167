"""Quality inspection (质检, R-23, R-35): forms as versioned data, the weekly draw, scoring by
supervisors, the agent's one appeal, results per agent and team. Hotline side only: samples
and scores are scoped by the call's region like its recording (calls.visibility)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from access.principal import Principal
from audit.service import record
from core.errors import Conflict, NotFound, Unprocessable
from core.timeutil import utcnow
from models import Call, OrgUnit, QualityForm, QualitySample, QualityScore, User
from quality import repository
from quality.sampling import draw, week_bounds, week_of
from quality.schemas import AppealDecisionIn, FormIn, ScoreIn
from quality.scoring import InvalidAnswers, InvalidForm, check_items, score

STANDARD = "standard"


# ---- forms ------------------------------------------------------------------------------------

async def forms(session: AsyncSession, *, all_versions: bool = False) -> list[QualityForm]:
    query = select(QualityForm).order_by(QualityForm.code, QualityForm.version.desc())
    if not all_versions:
        query = query.where(QualityForm.active.is_(True))
    return list((await session.scalars(query)).all())


async def form(session: AsyncSession, form_id: int) -> QualityForm:
    found = await session.get(QualityForm, form_id)
    if found is None:
        raise NotFound(f"评分表 {form_id} 不存在 (no such form)")
    return found


async def default_form(session: AsyncSession) -> QualityForm:
    found = await session.scalar(select(QualityForm).where(QualityForm.active.is_(True))
                                 .order_by((QualityForm.code == STANDARD).desc(), QualityForm.id).limit(1))
    if found is None:
        raise NotFound("没有可用的评分表 (no active form)")
    return found


async def new_form_version(session: AsyncSession, principal: Principal, body: FormIn) -> QualityForm:
    """The next version of form `code` (or its first); the previous version stops being offered."""
    items = [item.model_dump() for item in body.items]
    for item in items:
        if float(item["points"]).is_integer():
            item["points"] = int(item["points"])
    try:
        check_items(items)
    except InvalidForm as exc:
        raise Unprocessable(str(exc)) from exc
    latest = await session.scalar(select(func.max(QualityForm.version)).where(QualityForm.code == body.code))
    await session.execute(update(QualityForm).where(QualityForm.code == body.code).values(active=False))
    created = QualityForm(code=body.code, version=(latest or 0) + 1, name=body.name, items=items, active=True,
                          created_by=principal.username, created_at=utcnow())
    session.add(created)
    await session.flush()
    await record(session, action="quality_form_version", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="quality_form", resource_id=created.id,
                 detail={"code": created.code, "version": created.version})
    return created


# ---- samples ----------------------------------------------------------------------------------

async def draw_week(session: AsyncSession, week: str, per_agent: int, region_clause=None) -> Counter:
    """Add the week's new samples (flushed); counts by reason. Safe to run again."""
    try:
        start, end = week_bounds(week)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    candidates = await repository.week_candidates(session, start, end, region_clause)
    drawn = draw(week, candidates, await repository.week_samples(session, week), per_agent)
    for d in drawn:
        session.add(QualitySample(call_id=d.call_id, agent_id=d.agent_id, region_code=d.region_code, week=week,
                                  reason=d.reason, status="pending", created_at=utcnow()))
    await session.flush()
    return Counter(d.reason for d in drawn)


async def draw_due(session: AsyncSession, per_agent: int, now: datetime | None = None) -> Counter:
    """The scheduler's draw: this week's and last week's (late complaints and callbacks)."""
    now = now or utcnow()
    counts: Counter = Counter()
    for week in sorted({week_of(now - timedelta(days=7)), week_of(now)}):
        counts += await draw_week(session, week, per_agent)
    return counts


async def add_flagged(session: AsyncSession, call_id: int) -> QualitySample | None:
    """A call whose transcript was flagged (abuse, threats, 投诉) goes up for inspection at once."""
    call = await session.get(Call, call_id)
    if call is None or call.agent_id is None:
        return None
    existing = await session.scalar(select(QualitySample).where(QualitySample.call_id == call_id))
    if existing is not None:
        return existing
    sample = QualitySample(call_id=call.id, agent_id=call.agent_id, region_code=call.region_code,
                           week=week_of(call.started_at), reason="keyword", status="pending", created_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(sample)
    except IntegrityError:  # drawn meanwhile by the scheduler
        return await session.scalar(select(QualitySample).where(QualitySample.call_id == call_id))
    return sample


async def add_manual(session: AsyncSession, principal: Principal, call_id: int) -> QualitySample:
    """A supervisor picks a call for inspection (指定抽检): answered by an agent, in one's region."""
    call = await session.get(Call, call_id)
    if call is None or not principal.scope.covers_region(call.region_code):
        raise NotFound(f"通话 {call_id} 不存在 (no such call)")
    if call.agent_id is None or call.answered_at is None:
        raise Unprocessable("只能抽检已接听的通话 (only answered calls)")
    if await session.scalar(select(QualitySample.id).where(QualitySample.call_id == call_id)) is not None:
        raise Conflict("该通话已在抽检样本中 (already sampled)")
    sample = QualitySample(call_id=call.id, agent_id=call.agent_id, region_code=call.region_code,
                           week=week_of(call.started_at), reason="manual", status="pending", created_at=utcnow())
    session.add(sample)
    await session.flush()
    await record(session, action="quality_sampled", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="call", resource_id=call.id, detail={"sample_id": sample.id})
    return sample


async def sample_in_scope(session: AsyncSession, principal: Principal, sample_id: int) -> QualitySample:
    sample = await session.get(QualitySample, sample_id)
    if sample is None or not principal.scope.covers_region(sample.region_code):
        raise NotFound(f"质检样本 {sample_id} 不存在 (no such sample)")
    return sample


# ---- scores -----------------------------------------------------------------------------------

async def score_sample(session: AsyncSession, principal: Principal, sample_id: int, body: ScoreIn) -> QualityScore:
    sample = await sample_in_scope(session, principal, sample_id)
    if sample.status == "scored":
        raise Conflict("该通话已评分，如有异议请走申诉复核 (already scored)")
    used = await form(session, body.form_id)
    try:
        result = score(used.items, body.answers)
    except InvalidAnswers as exc:
        raise Unprocessable(str(exc)) from exc
    given = QualityScore(sample_id=sample.id, call_id=sample.call_id, agent_id=sample.agent_id, form_id=used.id,
                         answers=dict(body.answers), total=result.total, fatal=result.fatal,
                         comment=body.comment.strip(), scored_by_id=principal.user_id, scored_by=principal.username,
                         scored_at=utcnow())
    session.add(given)
    sample.status = "scored"
    await session.flush()
    await record(session, action="quality_scored", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="quality_score", resource_id=given.id,
                 detail={"call_id": sample.call_id, "agent_id": sample.agent_id, "total": given.total,
                         "fatal": result.violated, "form": f"{used.code} v{used.version}"})
    return given


async def own_scores(session: AsyncSession, principal: Principal) -> list[QualityScore]:
    return list((await session.scalars(select(QualityScore).where(QualityScore.agent_id == principal.user_id)
                                       .order_by(QualityScore.scored_at.desc()).limit(200))).all())


async def appeal(session: AsyncSession, principal: Principal, score_id: int, reason: str) -> QualityScore:
    """The agent's one appeal against a score of their own call."""
    given = await session.get(QualityScore, score_id)
    if given is None or given.agent_id != principal.user_id:
        raise NotFound(f"评分 {score_id} 不存在 (no such score)")
    if given.appealed_at is not None:
        raise Conflict("每次评分只能申诉一次 (one appeal per score)")
    given.appeal_reason, given.appealed_at, given.appeal_status = reason.strip(), utcnow(), "open"
    await record(session, action="quality_appealed", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="quality_score", resource_id=given.id, detail={"total": given.total})
    return given


async def decide_appeal(session: AsyncSession, principal: Principal, score_id: int,
                        body: AppealDecisionIn) -> QualityScore:
    given = await session.get(QualityScore, score_id)
    sample = await session.get(QualitySample, given.sample_id) if given else None
    if given is None or sample is None or not principal.scope.covers_region(sample.region_code):
        raise NotFound(f"评分 {score_id} 不存在 (no such score)")
    if given.appeal_status != "open":
        raise Conflict("没有待复核的申诉 (no open appeal)")
    if given.agent_id == principal.user_id:
        raise Conflict("不能复核自己的申诉 (not one's own appeal)")
    if body.upheld and body.answers is not None:
        used = await form(session, given.form_id)
        try:
            result = score(used.items, body.answers)
        except InvalidAnswers as exc:
            raise Unprocessable(str(exc)) from exc
        given.original_total = given.total
        given.answers, given.total, given.fatal = dict(body.answers), result.total, result.fatal
    given.appeal_status = "upheld" if body.upheld else "rejected"
    given.appeal_note, given.appeal_decided_by, given.appeal_decided_at = body.note.strip(), principal.username, utcnow()
    await record(session, action="quality_appeal_decided", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="quality_score", resource_id=given.id,
                 detail={"status": given.appeal_status, "total": given.total, "before": given.original_total})
    return given


async def open_appeals(session: AsyncSession, principal: Principal) -> list[QualityScore]:
    return list((await session.scalars(
        select(QualityScore).join(QualitySample, QualitySample.id == QualityScore.sample_id)
        .where(QualityScore.appeal_status == "open", principal.scope.region_clause(QualitySample.region_code))
        .order_by(QualityScore.appealed_at))).all())


# ---- results ----------------------------------------------------------------------------------

async def results(session: AsyncSession, principal: Principal, since: datetime, until: datetime,
                  group_by: str) -> list[dict]:
    """Per agent or team: scored calls, average total, fatal scores, appeals (upheld) — for reports."""
    rows = (await session.execute(repository.results_query(
        since, until, group_by, principal.scope.region_clause(QualitySample.region_code)))).all()
    keys = [r[0] for r in rows]
    model = User if group_by == "agent" else OrgUnit
    label = User.display_name if group_by == "agent" else OrgUnit.name
    names = dict((await session.execute(select(model.id, label).where(model.id.in_(keys or [0])))).all())
    return [{"key": key, "name": names.get(key, str(key)), "scored": scored,
             "average": None if average is None else round(float(average), 1), "fatal": fatal, "appeals": appeals,
             "appeals_upheld": upheld}
            for key, scored, average, fatal, appeals, upheld in rows]
