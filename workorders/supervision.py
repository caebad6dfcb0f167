"""Supervision lists (督办, R-24): overdue tickets per unit, and units with repeated findings."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import and_, func, or_, select

from access.permissions import Permission
from access.principal import Principal
from core.timeutil import utcnow
from models import SupervisionRecord, Ticket
from web.deps import ResourcesDep, SessionDep, require
from workorders import repository
from workorders.schemas import Moment

router = APIRouter(prefix="/supervision", tags=["supervision"])
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
StatsReader = Annotated[Principal, Depends(require(Permission.STATS_READ))]
FINDING_KINDS = ("overdue_dispatch", "overdue_sign", "overdue_handle", "overdue_first_response", "overdue_progress",
                 "late_return", "return", "return_refused", "dissatisfied")


@router.get("/overdue")
async def overdue_by_unit(session: SessionDep, principal: Reader,
                          limit: int = Query(default=200, ge=1, le=1000)) -> list[dict]:
    """Tickets overdue now, grouped by lead unit (none: the hotline has not dispatched in time)."""
    query = (select(Ticket).where(Ticket.overdue.is_(True), repository.visible_clause(principal.scope))
             .order_by(Ticket.lead_unit_id, Ticket.id).limit(limit))
    tickets = (await session.scalars(query)).all()
    names = await repository.unit_names(session)
    groups: dict[int | None, dict] = {}
    for t in tickets:
        group = groups.setdefault(t.lead_unit_id, {"unit_id": t.lead_unit_id, "unit_name": names.get(t.lead_unit_id),
                                                   "tickets": []})
        group["tickets"].append({"id": t.id, "number": t.number, "status": t.status, "overdue_kinds": t.overdue_kinds,
                                 "handle_due_at": t.handle_due_at, "sign_due_at": t.sign_due_at,
                                 "dispatch_due_at": t.dispatch_due_at})
    return list(groups.values())


def _counted(kinds_column):
    """Findings that count: a dissatisfaction screened out by 甄别 (R-21) does not."""
    return or_(kinds_column != "dissatisfied", Ticket.screened_out.is_(False))


@router.get("/units")
async def units_under_supervision(
    session: SessionDep, resources: ResourcesDep, principal: StatsReader,
    since: Moment | None = None, threshold: int | None = Query(default=None, ge=1, le=1000),
) -> list[dict]:
    """Units with repeated overdue, returns, refused push-backs or dissatisfaction since `since` (default 90 days)."""
    since = since or utcnow() - timedelta(days=90)
    threshold = threshold or resources.settings.workorders.supervision_repeat_threshold
    query = (select(SupervisionRecord.unit_id, SupervisionRecord.kind, func.count(SupervisionRecord.id))
             .join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
             .where(SupervisionRecord.unit_id.is_not(None), SupervisionRecord.created_at >= since,
                    repository.visible_clause(principal.scope), _counted(SupervisionRecord.kind))
             .group_by(SupervisionRecord.unit_id, SupervisionRecord.kind))
    counts: dict[int, dict[str, int]] = {}
    for unit_id, kind, count in (await session.execute(query)).tuples():
        counts.setdefault(unit_id, {})[_family(kind)] = counts.get(unit_id, {}).get(_family(kind), 0) + count
    names = await repository.unit_names(session)
    flagged = [{"unit_id": unit_id, "unit_name": names.get(unit_id), "counts": c,
                "reasons": sorted(k for k, n in c.items() if n >= threshold)}
               for unit_id, c in counts.items() if any(n >= threshold for n in c.values())]
    return sorted(flagged, key=lambda u: (-sum(u["counts"].values()), u["unit_id"]))


def _family(kind: str) -> str:
    """overdue_* kinds count together as overdue; late returns are overdue too (R-13)."""
    return "overdue" if kind.startswith("overdue_") or kind == "late_return" else kind


@router.get("/records")
async def findings(
    session: SessionDep, principal: Reader, ticket_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    unit_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    kind: str | None = Query(default=None, pattern="^(" + "|".join(FINDING_KINDS) + ")$"),
    since: Moment | None = None, limit: int = Query(default=200, ge=1, le=1000),
) -> list[dict]:
    """Findings and reminders (催办) recorded by the scheduler and the workflow."""
    query = (select(SupervisionRecord).join(Ticket, Ticket.id == SupervisionRecord.ticket_id)
             .where(repository.visible_clause(principal.scope)).order_by(SupervisionRecord.id.desc()).limit(limit))
    conditions = [c for c in (
        SupervisionRecord.ticket_id == ticket_id if ticket_id else None,
        SupervisionRecord.unit_id == unit_id if unit_id else None,
        SupervisionRecord.kind == kind if kind else None,
        SupervisionRecord.created_at >= since if since else None) if c is not None]
    if conditions:
        query = query.where(and_(*conditions))
    return [{"id": r.id, "ticket_id": r.ticket_id, "unit_id": r.unit_id, "kind": r.kind, "due_at": r.due_at,
             "created_at": r.created_at, "reminder": r.reminder, "detail": r.detail}
            for r in (await session.scalars(query)).all()]



@router.get("/rates")
async def rates(
    session: SessionDep, principal: StatsReader, since: Moment | None = None,
    until: Moment | None = None,
) -> dict:
    """Direct-answer rate (R-06) and satisfaction rate (R-16), screened results left out (R-21)."""
    evaluated = Ticket.satisfaction.in_(["satisfied", "dissatisfied_reasonable", "dissatisfied_unreasonable"])
    counted = and_(evaluated, Ticket.screened_out.is_(False))
    query = select(
        func.count(Ticket.id),
        func.count(Ticket.id).filter(Ticket.direct_answer.is_not(None)),
        func.count(Ticket.id).filter(Ticket.disposition.is_not(None)),
        func.count(Ticket.id).filter(counted),
        func.count(Ticket.id).filter(and_(counted, Ticket.satisfaction == "satisfied")),
        func.count(Ticket.id).filter(and_(evaluated, Ticket.screened_out.is_(True))),
    ).where(repository.visible_clause(principal.scope), Ticket.status != "merged")
    if since:
        query = query.where(Ticket.created_at >= since)
    if until:
        query = query.where(Ticket.created_at < until)
    accepted, direct, out_of_scope, evaluated_n, satisfied, screened = (await session.execute(query)).one()
    return {"accepted": accepted, "direct_answered": direct, "out_of_scope": out_of_scope,
            "direct_answer_rate": round(direct / accepted, 4) if accepted else None,
            "evaluated": evaluated_n, "satisfied": satisfied, "screened_out": screened,
            "satisfaction_rate": round(satisfied / evaluated_n, 4) if evaluated_n else None}
