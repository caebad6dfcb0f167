"""One way in for written requests (submit_request) and the agent's acceptance (accept).

Every channel other than the phone calls submit_request: the citizen portal (portal/), the mailbox
poller (mailbox/), and the open API for the mobile app and upstream platforms. It never commits:
the caller's unit of work does, so the ticket, its intake row, its files' rows and its events are
one transaction (files written before a failure are removed).

    from intake.service import submit_request
    submission = await submit_request(uow, resources, RequestData(...), channel=Channel.APP,
                                      external_ref="GJ-2026-0001", received_at=original, source="national")
"""
from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select

from access.permissions import Permission
from access.principal import Principal
from access.scope import Scope
from core.errors import Conflict, NotFound, Unprocessable
from core.resources import Resources
from core.timeutil import utcnow
from events.unit_of_work import UnitOfWork
from intake.schemas import ATTACHMENT_COUNT, AcceptIn, RequestData, Submission
from models import IntakeRequest, Region, Ticket, TicketCaller
from workorders import attachments, deadlines, repository
from workorders import service as tickets
from workorders.events import TicketNotifier
from workorders.intake import hidden_from_units, missing_elements
from workorders.schemas import CallerIn, Channel, TicketCreate
from workorders.state_machine import Action, IllegalTransition, Side, Status, transition
from worktime.service import active_version_name, get_calendar, policy_by_version

UNCLASSIFIED = "unclassified"  # the category of a request nobody has classified yet (待分类)
CLOCK_SKEW = timedelta(minutes=5)
MAX_HANDOVER_AGE = timedelta(days=366)
OUTCOME_STATUS = {"dispatch": Status.PENDING_DISPATCH, "out_of_scope": Status.OUT_OF_SCOPE,
                  "direct_answer": Status.DIRECT_ANSWERED}


def channel_actor(channel: Channel | str, source: str | None = None) -> Principal:
    """Who a channel's submission is recorded as (history, audit): no user, the channel's name."""
    name = str(Channel(channel).value) + (f":{source}" if source else "")
    return Principal(user_id=None, username=name[:64], display_name=name[:64], role="system",  # type: ignore[arg-type]
                     org_unit_id=None, extension=None, scope=Scope(everything=True))  # type: ignore[arg-type]


def elements_missing(values: dict[str, object]) -> list[str]:
    """R-05 elements absent (caller.phone, content, category, occurred_at, address), "category"
    also when it is still unclassified."""
    missing = missing_elements(values, disposition=None)
    if values.get("category") == UNCLASSIFIED and "category" not in missing:
        missing.append("category")
    return missing


def _check_times(occurred_at: datetime | None, received: datetime, now: datetime) -> None:
    if received > now + CLOCK_SKEW or received < now - MAX_HANDOVER_AGE:
        raise Unprocessable("受理时间不合理 (received_at must not be in the future nor over a year old)",
                            code="invalid", detail={"field": "received_at"})
    if occurred_at is not None and occurred_at > now + CLOCK_SKEW:
        raise Unprocessable("事发时间不能晚于当前时间 (occurred_at is in the future)", code="invalid",
                            detail={"field": "occurred_at"})


async def _region(session, code: str) -> None:
    if await session.get(Region, code) is None:
        raise Unprocessable(f"行政区划 {code} 不存在 (unknown region_code)", code="unknown_region",
                            detail={"field": "region_code"})


async def submit_request(uow: UnitOfWork, resources: Resources, data: RequestData, *, channel: Channel | str,
                         external_ref: str | None = None, received_at: datetime | None = None,
                         source: str | None = None, now: datetime | None = None) -> Submission:
    """Record a written request from `channel` (flushed, not committed).

    Complete and classified (phone, content, category, occurred_at, address): an ordinary ticket
    (pending_dispatch), timed from `received_at` (default: now) under R-10. Otherwise a ticket in
    pending_intake, numbered at once (the citizen is told the number) and untimed until accepted.
    `external_ref`/`source`: an upstream platform's own reference and name; `received_at`: its
    original acceptance time (at most a year old). Attachments (≤ 5, JPEG/PNG/PDF sniffed from the
    bytes, HOTLINE_PORTAL_ATTACHMENTS_MAX_BYTES in all) are checked before anything is written.
    Bad input raises a 4xx (Unprocessable 422 with detail.field) and writes nothing.
    """
    session, settings = uow.session, resources.settings
    channel = Channel(channel)
    now = now or utcnow()
    received = received_at or now
    _check_times(data.occurred_at, received, now)
    kinds = attachments.check_many([f.data for f in data.attachments], count=ATTACHMENT_COUNT,
                                   total=settings.portal.portal_attachments_max_bytes)
    region_code = data.region_code or settings.intake.intake_default_region
    await _region(session, region_code)
    actor = channel_actor(channel, source)
    notifier = TicketNotifier(uow)
    values = {"caller.phone": data.phone, "content": data.content, "category": data.category,
              "occurred_at": data.occurred_at, "address": data.address}
    missing = elements_missing(values)
    if data.region_code is None:
        missing.append("region_code")
    if not missing:
        try:
            body = TicketCreate(channel=channel, caller=CallerIn(name=data.name, phone=data.phone,
                                                                 confidential=data.confidential),
                                content=data.content, category=data.category, address=data.address,
                                region_code=region_code, occurred_at=data.occurred_at, received_at=received)
        except ValidationError as error:
            first = error.errors()[0]
            raise Unprocessable(f"输入无效 (invalid input): {first['msg']}", code="invalid",
                                detail={"field": ".".join(str(p) for p in first["loc"])}) from None
        ticket, caller = await tickets.create_ticket(session, resources.redis, settings,
                                                     side_engine=resources.side_engine, principal=actor, body=body,
                                                     now=now, notifier=notifier)
    else:
        ticket, caller = await _queued_ticket(uow, resources, data, channel, region_code, received, now, actor)
        await notifier.ticket_created(ticket)
    session.add(IntakeRequest(ticket_id=ticket.id, channel=channel.value, source=source, external_ref=external_ref,
                              email=data.email, subject=data.subject, missing=missing, submitted_at=now))
    stored = []
    directory = attachments.root(settings)
    try:
        for incoming, (media_type, extension) in zip(data.attachments, kinds, strict=True):
            stored.append(await attachments.attach(
                session, directory, ticket_id=ticket.id, data=incoming.data, filename=incoming.filename,
                media_type=media_type, extension=extension, side="citizen", unit_id=None,
                hotline_only=caller.hidden_from_units, uploaded_by_id=None, uploaded_by=actor.username))
        await session.flush()
    except BaseException:
        for attachment in stored:
            attachments.discard(directory, attachment.storage_name)
        raise
    return Submission(ticket_id=ticket.id, number=ticket.number, status=ticket.status,
                      queued=ticket.status == Status.PENDING_INTAKE, missing=missing,
                      attachment_ids=[a.id for a in stored])


async def _queued_ticket(uow, resources, data: RequestData, channel: Channel, region_code: str, received: datetime,
                         now: datetime, actor: Principal) -> tuple[Ticket, TicketCaller]:
    session = uow.session
    category = data.category.value if data.category else UNCLASSIFIED
    ticket = Ticket(
        number=await tickets.next_number(session, resources.side_engine, region_code, now),
        status=Status.PENDING_INTAKE.value, channel=channel.value, category=category, domain=None,
        enterprise_related=False, special="none", content=data.content, address=data.address,
        region_code=region_code, occurred_at=data.occurred_at, received_at=received, created_at=now,
        created_by_id=None, call_id=None, policy_version=await active_version_name(session, resources.redis),
        row_version=1, overdue=False, overdue_kinds=[], extra={})
    session.add(ticket)
    await session.flush()
    caller = TicketCaller(ticket_id=ticket.id, name=data.name, phone=data.phone or "", confidential=data.confidential,
                          source_ticket_id=ticket.id,
                          hidden_from_units=hidden_from_units(category=category, confidential=data.confidential))
    session.add(caller)
    await tickets.add_event(session, ticket, action="create", side=Side.HOTLINE, actor=actor, from_status=None,
                            to_status=ticket.status, detail={"channel": ticket.channel, "category": category,
                                                             "policy": ticket.policy_version, "intake": True},
                            at=now)
    await session.flush()
    return ticket, caller


# --- acceptance (受理) --------------------------------------------------------------------------


async def accept(uow: UnitOfWork, resources: Resources, *, principal: Principal, ticket_id: int, body: AcceptIn,
                 now: datetime | None = None) -> Ticket:
    """Accept a request from the queue: complete it, then dispatch-ready (R-10 timed from now),
    out of scope, answered directly or merged. 422 (detail.missing) while R-05 elements lack."""
    session = uow.session
    now = now or utcnow()
    principal.require(Permission.TICKET_CREATE)
    if tickets.side_of(principal) is not Side.HOTLINE:
        raise NotFound(f"工单 {ticket_id} 不存在 (ticket not found)")
    ticket = await repository.get_visible(session, principal, ticket_id, lock=True)
    repository.check_version(ticket, body.expected_version)
    if ticket.status != Status.PENDING_INTAKE:
        raise Conflict(f"工单 {ticket.number} 已受理 (already accepted)", code="illegal_transition",
                       detail={"status": ticket.status, "action": Action.ACCEPT.value})
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.ticket_id == ticket.id))
    if body.outcome == "merge":
        primary_id = await _merge_target(session, principal, body)
        await tickets.merge(session, principal=principal, ticket_id=primary_id, duplicate_ids=[ticket.id],
                            note=body.note)
    else:
        await _complete(session, ticket, body, now)
        await _settle(uow, resources, ticket, body, now, principal)
    if intake is not None:
        intake.accepted_at, intake.accepted_by, intake.outcome = now, principal.username, body.outcome
    await session.flush()
    return ticket


async def _merge_target(session, principal: Principal, body: AcceptIn) -> int:
    if body.merge_into is not None:
        return body.merge_into
    if body.merge_into_number:
        found = await session.scalar(select(Ticket.id).where(Ticket.number == body.merge_into_number.strip(),
                                                             repository.visible_clause(principal.scope)))
        if found is not None:
            return found
        raise Unprocessable(f"工单 {body.merge_into_number} 不存在 (merge target not found)",
                            detail={"field": "merge_into_number"})
    raise Unprocessable("并单须指定主工单 (merge needs merge_into or merge_into_number)",
                        detail={"field": "merge_into"})


async def _complete(session, ticket: Ticket, body: AcceptIn, now: datetime) -> None:
    """Fill in what the agent completed (each field only when given)."""
    if body.region_code is not None and body.region_code != ticket.region_code:
        await _region(session, body.region_code)
        ticket.region_code = body.region_code
    if body.occurred_at is not None:
        _check_times(body.occurred_at, now, now)
        ticket.occurred_at = body.occurred_at
    for name in ("content", "address", "domain", "enterprise_related"):
        if getattr(body, name) is not None:
            setattr(ticket, name, getattr(body, name))
    if body.category is not None:
        ticket.category = body.category.value
    if body.special is not None:
        ticket.special = body.special.value
    callers = (await session.scalars(select(TicketCaller).where(TicketCaller.ticket_id == ticket.id))).all()
    for caller in callers:
        if body.caller is not None:
            caller.name, caller.phone = body.caller.name or caller.name, body.caller.phone
            caller.confidential = caller.confidential or body.caller.confidential
        # decided once more now the category is known; never cleared
        caller.hidden_from_units = caller.hidden_from_units or hidden_from_units(
            category=ticket.category, confidential=caller.confidential)
    phone = callers[0].phone if callers else None
    values = {"caller.phone": phone, "content": ticket.content, "category": ticket.category,
              "occurred_at": ticket.occurred_at, "address": ticket.address}
    disposition = body.disposition.kind.value if body.disposition else None
    missing = missing_elements(values, disposition=disposition)
    if ticket.category == UNCLASSIFIED and "category" not in missing:
        missing.append("category")
    if missing:
        raise Unprocessable("受理要素不全 (R-05 required elements missing): " + ", ".join(missing),
                            code="missing_elements", detail={"missing": missing})


async def _settle(uow, resources, ticket: Ticket, body: AcceptIn, now: datetime, principal: Principal) -> None:
    session = uow.session
    if body.outcome == "out_of_scope" and body.disposition is None:
        raise Unprocessable("不予受理须写明处置 (out_of_scope needs a disposition)", detail={"field": "disposition"})
    if body.outcome == "direct_answer" and body.direct_answer is None:
        raise Unprocessable("直接答复须写明答复 (direct_answer needs the answer)", detail={"field": "direct_answer"})
    before = ticket.status
    try:
        target = transition(ticket.status, Action.ACCEPT, Side.HOTLINE, accepted_as=OUTCOME_STATUS[body.outcome])
    except IllegalTransition as error:
        raise Conflict(error.message, code="illegal_transition") from None
    if target is Status.PENDING_DISPATCH:  # the dispatch limit runs from the acceptance
        policy = await policy_by_version(session, ticket.policy_version)
        calendar = await get_calendar(session, resources.redis, resources.settings)
        timed = deadlines.at_acceptance(policy, calendar, now)
        for name, due in timed.due.items():
            setattr(ticket, name, due)
        ticket.calendar_provisional = timed.provisional
    elif target is Status.OUT_OF_SCOPE:
        ticket.disposition, ticket.disposition_note, ticket.closed_at = (body.disposition.kind.value,
                                                                        body.disposition.note, now)
    else:
        ticket.direct_answer, ticket.closed_at = body.direct_answer.answer, now
    ticket.status = target.value
    ticket.row_version += 1
    tickets.refresh_overdue(ticket, now)
    await tickets.add_event(session, ticket, action=Action.ACCEPT.value, side=Side.HOTLINE, actor=principal,
                            from_status=before, to_status=ticket.status,
                            note=body.note or ticket.disposition_note or ticket.direct_answer,
                            detail={"outcome": body.outcome, "category": ticket.category}, at=now)
    notifier = TicketNotifier(uow)
    await notifier.ticket_accepted(ticket, outcome=body.outcome)
    if target is not Status.PENDING_DISPATCH:
        await notifier.ticket_closed(ticket)
