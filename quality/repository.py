"""Queries of quality inspection: the week's calls with what their tickets and transcripts say."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Call, QualitySample, QualityScore, Ticket, Transcript, User
from quality.sampling import Candidate

DISSATISFIED = ("dissatisfied_reasonable", "dissatisfied_unreasonable")


async def week_candidates(session: AsyncSession, start: datetime, end: datetime, region_clause=None) -> list[Candidate]:
    """Answered calls of [start, end) taken by an agent, each with its ticket's category and
    satisfaction and whether its transcript was flagged."""
    query = (select(Call.id, Call.agent_id, Call.region_code, Call.ticket_number)
             .where(Call.agent_id.is_not(None), Call.answered_at.is_not(None),
                    Call.started_at >= start, Call.started_at < end))
    if region_clause is not None:
        query = query.where(region_clause)
    calls = (await session.execute(query)).all()
    if not calls:
        return []
    ids = [c.id for c in calls]
    numbers = [c.ticket_number for c in calls if c.ticket_number]
    ticket_rows = (await session.execute(
        select(Ticket.number, Ticket.call_id, Ticket.category, Ticket.satisfaction).where(or_(
            Ticket.call_id.in_([str(i) for i in ids]), Ticket.number.in_(numbers or [""]))))).all()
    complaint: set[int | str] = set()
    dissatisfied: set[int | str] = set()
    for row in ticket_rows:
        keys = {row.number, row.call_id}
        if row.category == "complaint":
            complaint |= keys
        if row.satisfaction in DISSATISFIED:
            dissatisfied |= keys
    flagged = {call_id for call_id, flags in (await session.execute(
        select(Transcript.call_id, Transcript.flags).where(Transcript.call_id.in_(ids),
                                                           Transcript.status == "done"))).all() if flags}

    def hit(keys: set, c) -> bool:
        return str(c.id) in keys or (c.ticket_number is not None and c.ticket_number in keys)

    return [Candidate(call_id=c.id, agent_id=c.agent_id, region_code=c.region_code, complaint=hit(complaint, c),
                      dissatisfied=hit(dissatisfied, c), flagged=c.id in flagged) for c in calls]


async def week_samples(session: AsyncSession, week: str) -> list[tuple[int, int, str]]:
    return [tuple(r) for r in (await session.execute(
        select(QualitySample.call_id, QualitySample.agent_id, QualitySample.reason)
        .where(QualitySample.week == week))).all()]


async def ticket_number_of(session: AsyncSession, call: Call) -> str | None:
    if call.ticket_number:
        return call.ticket_number
    return await session.scalar(select(Ticket.number).where(Ticket.call_id.in_([str(call.id), call.channel_id]))
                                .order_by(Ticket.id).limit(1))


def results_query(since: datetime, until: datetime, group_by: str, region_clause):
    """Per agent (user id) or team (the agent's organisation unit): scores, average, fatal, appeals."""
    key = QualityScore.agent_id if group_by == "agent" else User.org_unit_id
    return (select(key.label("key"), func.count(QualityScore.id), func.avg(QualityScore.total),
                   func.count(QualityScore.id).filter(QualityScore.fatal.is_(True)),
                   func.count(QualityScore.appealed_at), func.count(QualityScore.id).filter(
                       QualityScore.appeal_status == "upheld"))
            .join(QualitySample, QualitySample.id == QualityScore.sample_id)
            .join(User, User.id == QualityScore.agent_id)
            .where(and_(QualityScore.scored_at >= since, QualityScore.scored_at < until, region_clause))
            .group_by(key).order_by(key))
