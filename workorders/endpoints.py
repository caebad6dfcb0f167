"""Work-order API (thin: parse, call the service, serialise for the principal; the request's unit of
work commits).

Workflow steps are `POST /api/v1/tickets/{id}/actions/{action}`, one route per action so
each has its own typed body in the OpenAPI document.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from audit.service import record
from core.csv_export import csv_document
from core.errors import Forbidden
from core.timeutil import business_time, utcnow
from models import DispatchPrecedent, Ticket
from web.deps import IdPath, PrincipalDep, ResourcesDep, SessionDep, UnitOfWorkDep, require
from workorders import actions, repository, service
from workorders.events import TicketNotifier
from workorders.schemas import EventOut, MergeIn, Moment, TicketCreate, TicketOut, TicketPage
from workorders.serialize import Viewer, history_out, reveals_identity, ticket_out
from workorders.state_machine import STATUS_LABELS, Action, Side, Status

router = APIRouter(tags=["work orders"])
Creator = Annotated[Principal, Depends(require(Permission.TICKET_CREATE))]
Reader = Annotated[Principal, Depends(require(Permission.TICKET_READ))]
Dispatcher = Annotated[Principal, Depends(require(Permission.TICKET_DISPATCH))]
Phone = Annotated[str, Query(pattern=r"^\+?[0-9][0-9-]{4,30}$")]
StatusQ = Annotated[list[Status] | None, Query()]
EXPORT_LIMIT = 10_000
NO_NUL = r"^[^\x00]*$"


async def _personal_view(session, principal: Principal, ticket_ids: list[int], where: str) -> None:
    """R-35: one audit record per view that showed callers' names or phones."""
    await record(session, action="personal_data_viewed", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="ticket",
                 resource_id=ticket_ids[0] if len(ticket_ids) == 1 else None,
                 detail={"where": where, "ticket_ids": ticket_ids[:1000], "count": len(ticket_ids)})


async def _phone_searched(session, principal: Principal, phone: str, where: str, found: list[int]) -> None:
    """R-35: a search by a citizen's number is audited with the number searched (the log is itself
    restricted to auditors and admins, and scoped), so an auditor can tell whose data was looked up."""
    await record(session, action="personal_data_searched", actor_id=principal.user_id,
                 actor_username=principal.username, resource_type="ticket",
                 detail={"by": "phone", "phone": phone, "where": where, "found": found[:1000]})


def viewer_of(principal: Principal) -> Viewer:
    return Viewer(side=service.side_of(principal), personal=principal.can(Permission.PERSONAL_DATA_READ))


async def _detail(session, principal: Principal, ticket: Ticket, *, full: bool) -> dict:
    callers = (await repository.callers_of(session, [ticket.id]))[ticket.id]
    assignments = (await repository.assignments_of(session, [ticket.id]))[ticket.id]
    return ticket_out(ticket, callers, viewer_of(principal), full=full, assignments=assignments,
                      unit_names=await repository.unit_names(session))


@router.post("/tickets", response_model=TicketOut, status_code=201)
async def create_ticket(body: TicketCreate, session: SessionDep, uow: UnitOfWorkDep, resources: ResourcesDep,
                        principal: Creator) -> dict:
    """Accept a request (R-05); out-of-scope dispositions (R-04) and direct answers (R-06) close at once."""
    ticket, caller = await service.create_ticket(session, resources.redis, resources.settings,
                                                 side_engine=resources.side_engine, principal=principal,
                                                 body=body, notifier=TicketNotifier(uow))
    # echoes what the creator just entered (not a view of stored personal data); built without re-reading
    return ticket_out(ticket, [caller], viewer_of(principal), full=True)


def _filters(status, unit_id, category, region, overdue, created_from, created_to, q, phone, number,
             principal: Principal) -> repository.TicketFilters:
    if phone and (service.side_of(principal) is Side.UNIT or not principal.can(Permission.PERSONAL_DATA_READ)):
        raise Forbidden("承办单位不能按诉求人电话查询 (units cannot search by caller phone, R-25)")
    return repository.TicketFilters(status=[s.value for s in status or []], unit_id=unit_id, category=category,
                                    region=region, overdue=overdue, created_from=created_from,
                                    created_to=created_to, q=q, phone=phone, number=number)


FilterArgs = {
    "unit_id": Query(default=None, ge=1, le=2_147_483_647),
    "category": Query(default=None, pattern="^[a-z_]{1,16}$"),
    "region": Query(default=None, pattern=r"^[0-9]{2,12}$"),
    "q": Query(default=None, min_length=1, max_length=100, pattern=NO_NUL),
    "phone": Query(default=None, pattern=r"^\+?[0-9][0-9-]{4,30}$"),
    "number": Query(default=None, max_length=32, pattern=NO_NUL),
}


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(
    session: SessionDep, principal: Reader, status: StatusQ = None,
    unit_id: int | None = FilterArgs["unit_id"], category: str | None = FilterArgs["category"],
    region: str | None = FilterArgs["region"], overdue: bool | None = None,
    created_from: Moment | None = None, created_to: Moment | None = None,
    q: str | None = FilterArgs["q"], phone: str | None = FilterArgs["phone"], number: str | None = FilterArgs["number"],
    order: repository.TicketOrder = repository.TicketOrder.NEWEST,
    limit: int = Query(default=50, ge=1, le=200), offset: int = Query(default=0, ge=0, le=1_000_000),
) -> dict:
    """Search visible tickets (scope-limited); names and phones are masked in lists.

    `order`: newest (default), dispatch_due (the dispatch queue), nearest_due (a unit's inbox:
    overdue first, then the nearest binding limit), completed_oldest (the callback queue)."""
    filters = _filters(status, unit_id, category, region, overdue, created_from, created_to, q, phone, number,
                       principal)
    filters = await service.without_hidden_matches(session, principal, viewer_of(principal), filters)
    tickets, total = await repository.page(session, repository.filtered_query(principal.scope, filters, order),
                                           limit=limit, offset=offset)
    callers = await repository.callers_of(session, [t.id for t in tickets])
    viewer = viewer_of(principal)
    items = [ticket_out(t, callers[t.id], viewer, full=False) for t in tickets]
    if phone:
        await _phone_searched(session, principal, phone, "list", [t.id for t in tickets])
    return {"items": items, "total": total, "limit": limit, "offset": offset}


CSV_COLUMNS = ("number", "status", "category", "channel", "region_code", "address", "content", "caller_name",
               "caller_phone", "lead_unit_id", "received_at", "dispatch_due_at", "handle_due_at", "overdue",
               "satisfaction")


@router.get("/tickets/export.csv", response_class=Response)
async def export_tickets(
    session: SessionDep, principal: Reader, status: StatusQ = None,
    unit_id: int | None = FilterArgs["unit_id"], category: str | None = FilterArgs["category"],
    region: str | None = FilterArgs["region"], overdue: bool | None = None,
    created_from: Moment | None = None, created_to: Moment | None = None,
    q: str | None = FilterArgs["q"], phone: str | None = FilterArgs["phone"], number: str | None = FilterArgs["number"],
) -> Response:
    """CSV of visible tickets (at most 10 000); units never get hidden callers' identity; audited."""
    filters = _filters(status, unit_id, category, region, overdue, created_from, created_to, q, phone, number,
                       principal)
    filters = await service.without_hidden_matches(session, principal, viewer_of(principal), filters)
    tickets, _ = await repository.page(session, repository.filtered_query(principal.scope, filters),
                                       limit=EXPORT_LIMIT, offset=0)
    callers = await repository.callers_of(session, [t.id for t in tickets])
    viewer = viewer_of(principal)
    rows = []
    for ticket in tickets:
        data = ticket_out(ticket, callers[ticket.id], viewer, full=True)
        for caller in data["callers"] or [{"name": None, "phone": None}]:
            row = {**data, **data["deadlines"], "caller_name": caller["name"], "caller_phone": caller["phone"]}
            rows.append([row.get(column) for column in CSV_COLUMNS])
    revealed = [t.id for t in tickets if reveals_identity(callers[t.id], viewer)]
    await record(session, action="tickets_exported", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="ticket", detail={"count": len(tickets)})
    if revealed:
        await _personal_view(session, principal, revealed, "export")
    if phone:
        await _phone_searched(session, principal, phone, "export", [t.id for t in tickets])
    return Response(csv_document(CSV_COLUMNS, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="tickets.csv"'})


@router.get("/tickets/duplicates")
async def duplicates(
    session: SessionDep, resources: ResourcesDep, principal: Creator,
    content: str = Query(min_length=2, max_length=4000), region_code: str = Query(pattern=r"^[0-9]{6,12}$"),
    address: str | None = Query(default=None, max_length=300), days: int | None = Query(default=None, ge=1, le=90),
) -> list[dict]:
    """Candidates for 并单 while a ticket is entered: same area, similar content (TF-IDF cosine, jieba)."""
    hits = await service.find_duplicates(session, resources.settings, principal=principal, content=content,
                                         region_code=region_code, address=address, days=days)
    return [{"id": h.ticket.id, "number": h.ticket.number, "status": h.ticket.status, "category": h.ticket.category,
             "status_label": STATUS_LABELS[Status(h.ticket.status)], "content": h.ticket.content[:200],
             "address": h.ticket.address, "created_at": business_time(h.ticket.created_at), "score": h.match.score,
             "content_score": h.match.content_score, "address_score": h.match.address_score} for h in hits]


@router.get("/tickets/open-by-phone")
async def open_by_phone(session: SessionDep, principal: Creator, phone: Phone) -> list[dict]:
    """The caller's tickets still open, with their progress (R-07); audited as a personal-data search."""
    tickets = await service.open_by_phone(session, principal=principal, phone=phone)
    latest = await service.last_events(session, [t.id for t in tickets])
    await _phone_searched(session, principal, phone, "open_by_phone", [t.id for t in tickets])
    return [{"id": t.id, "number": t.number, "status": t.status, "status_label": STATUS_LABELS[Status(t.status)],
             "category": t.category, "content": t.content[:200], "created_at": business_time(t.created_at),
             "lead_unit_id": t.lead_unit_id,
             "handle_due_at": business_time(t.handle_due_at) if t.handle_due_at else None,
             "last_step": _step(latest.get(t.id))} for t in tickets]


def _step(event) -> dict | None:
    return None if event is None else {"action": event.action, "at": business_time(event.at), "note": event.note}


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
async def read_ticket(ticket_id: IdPath, session: SessionDep, principal: Reader) -> dict:
    """One ticket; showing a caller's name/phone is audited (R-35), hidden ones never shown to units (R-25)."""
    ticket = await repository.get_visible(session, principal, ticket_id)
    data = await _detail(session, principal, ticket, full=True)
    callers = (await repository.callers_of(session, [ticket.id]))[ticket.id]
    if reveals_identity(callers, viewer_of(principal)):
        await _personal_view(session, principal, [ticket.id], "detail")
    return data


@router.get("/tickets/{ticket_id}/history", response_model=list[EventOut])
async def ticket_history(ticket_id: IdPath, session: SessionDep, principal: Reader) -> list:
    """Every step of the ticket: who, when, what, note (hidden callers' names and numbers blanked, R-25)."""
    await repository.get_visible(session, principal, ticket_id)
    callers = (await repository.callers_of(session, [ticket_id]))[ticket_id]
    return history_out(await service.history(session, ticket_id), callers, viewer_of(principal))


@router.get("/tickets/{ticket_id}/dispatch-suggestions")
async def dispatch_suggestions(
    ticket_id: IdPath, session: SessionDep, principal: Dispatcher,
    domain: str | None = Query(default=None, max_length=32),
) -> dict:
    """Units to dispatch to (属地、按职、行业主管; precedents first; R-09 complaints to the oversight body)."""
    from workorders import dispatch_rules, similarity

    ticket = await repository.get_visible(session, principal, ticket_id)
    words = list(similarity.cached_tokens(ticket.content))
    domain = domain or ticket.domain or dispatch_rules.guess_domain(words)
    units = await repository.unit_facts(session)
    suggestions = dispatch_rules.suggest(
        units=list(units.values()), region_code=ticket.region_code, domain=domain, tokens=words,
        complained_unit_id=ticket.complained_unit_id, precedents=await repository.precedents_for(session, ticket.region_code))
    return {"domain": domain, "suggestions": [
        {"unit_id": s.unit_id, "unit_name": units[s.unit_id].name, "role": s.role, "reason": s.reason,
         "score": s.score, "precedent_id": s.precedent_id} for s in suggestions]}


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut)
async def merge_tickets(ticket_id: IdPath, body: MergeIn, session: SessionDep, principal: Dispatcher) -> dict:
    """并单 (R-07): duplicates' callers join this ticket; the duplicates end as `merged`."""
    ticket = await service.merge(session, principal=principal, ticket_id=ticket_id,
                                 duplicate_ids=body.duplicate_ids, note=body.note)
    return await _detail(session, principal, ticket, full=False)


@router.get("/dispatch-precedents")
async def list_precedents(session: SessionDep, _: Reader, region: str | None = Query(default=None,
                                                                                      pattern=r"^[0-9]{2,12}$")) -> list[dict]:
    """Recorded coordination decisions (R-08)."""
    query = select(DispatchPrecedent).order_by(DispatchPrecedent.id.desc()).limit(500)
    if region:
        query = query.where(DispatchPrecedent.region_prefix.in_({region[:n] for n in (2, 4, 6, 9, 12) if len(region) >= n}))
    return [{"id": p.id, "matter": p.matter, "domain": p.domain, "region_prefix": p.region_prefix,
             "lead_unit_id": p.lead_unit_id, "co_unit_ids": p.co_unit_ids, "decided_by": p.decided_by,
             "decided_at": p.decided_at, "source_ticket_id": p.source_ticket_id}
            for p in (await session.scalars(query)).all()]


def _action_endpoint(action: Action, model: type):
    async def endpoint(ticket_id: IdPath, body, session: SessionDep, uow: UnitOfWorkDep, resources: ResourcesDep,
                       principal: PrincipalDep) -> dict:
        try:
            ticket = await actions.perform(session, resources.redis, resources.settings, principal=principal,
                                           ticket_id=ticket_id, action=action, body=body, now=utcnow(),
                                           notifier=TicketNotifier(uow))
        except actions.OwnershipDecided as refused:  # nothing of the step stays, the refusal's trace does
            await uow.rollback()
            await actions.record_refused_return(session, principal=principal, refused=refused)
            raise uow.keep_despite(refused) from None
        return await _detail(session, principal, ticket, full=False)

    endpoint.__annotations__["body"] = model
    endpoint.__name__ = f"ticket_action_{action.value}"
    endpoint.__doc__ = f"Workflow step `{action.value}` (409 when the ticket's status or your side does not allow it)."
    return endpoint


for _action, _model in actions.BODIES.items():
    router.add_api_route(f"/tickets/{{ticket_id}}/actions/{_action.value}", _action_endpoint(_action, _model),
                         methods=["POST"], response_model=TicketOut, name=f"ticket_{_action.value}")
