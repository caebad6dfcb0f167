"""Ticket responses per principal: what a handling unit may not see is never serialised (R-25).

For confidential callers and for every report (举报) a unit-side principal gets no name
and no phone, in every response and export. Hotline-side lists mask them; full values
appear only in the detail view and the export, which the endpoints audit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.masking import mask_name, mask_phone
from core.timeutil import business_time
from models import Ticket, TicketAssignment, TicketCaller
from workorders.deadlines import DEADLINE_FIELDS
from workorders.state_machine import STATUS_LABELS, Side, Status, allowed_actions


@dataclass(frozen=True)
class Viewer:
    side: Side
    personal: bool  # holds PERSONAL_DATA_READ (an expert seat, say, does not)


def hidden_from(viewer: Viewer, ticket: Ticket, caller: TicketCaller) -> bool:
    """True when this viewer must never see the caller's identity."""
    if not viewer.personal:
        return True
    return viewer.side is Side.UNIT and (caller.confidential or ticket.category == "report")


def caller_out(ticket: Ticket, caller: TicketCaller, viewer: Viewer, *, full: bool) -> dict:
    hidden = hidden_from(viewer, ticket, caller)
    if hidden:
        name = phone = None
    elif full:
        name, phone = caller.name, caller.phone
    else:
        name, phone = mask_name(caller.name), mask_phone(caller.phone)
    return {"id": caller.id, "name": name, "phone": phone, "confidential": caller.confidential, "hidden": hidden,
            "source_ticket_id": caller.source_ticket_id, "callback_result": caller.callback_result,
            "callback_round": caller.callback_round}


def reveals_identity(ticket: Ticket, callers: Sequence[TicketCaller], viewer: Viewer) -> bool:
    """Whether a full view of this ticket shows someone's name or phone (→ audit it)."""
    return any(not hidden_from(viewer, ticket, c) for c in callers)


def ticket_out(
    ticket: Ticket, callers: Sequence[TicketCaller], viewer: Viewer, *, full: bool,
    assignments: Sequence[TicketAssignment] = (), unit_names: dict[int, str] | None = None,
) -> dict:
    names = unit_names or {}
    data = {column: getattr(ticket, column) for column in (
        "id", "number", "status", "row_version", "channel", "category", "domain", "enterprise_related", "special",
        "content", "address", "region_code", "occurred_at", "received_at", "created_at", "call_id",
        "policy_version", "calendar_provisional", "disposition", "disposition_note", "direct_answer",
        "complained_unit_id", "lead_unit_id", "precedent_id", "merged_into_id", "reply",
        "extension_requested_days", "extended_days", "redo_count", "satisfaction", "screened_out", "overdue",
        "overdue_kinds")}
    data["status_label"] = STATUS_LABELS[Status(ticket.status)]
    data["deadlines"] = _deadlines(ticket)
    data["callers"] = [caller_out(ticket, c, viewer, full=full) for c in callers]
    data["assignments"] = [{"unit_id": a.unit_id, "unit_name": names.get(a.unit_id), "role": a.role,
                            "active": a.active, "assigned_at": a.assigned_at} for a in assignments]
    data["allowed_actions"] = [a.value for a in allowed_actions(ticket.status, viewer.side)]
    return _localised(data)


def _localised(value):
    """Every datetime shown in Asia/Shanghai (+08:00), the zone the limits are counted in."""
    if isinstance(value, datetime):
        return business_time(value)
    if isinstance(value, dict):
        return {k: _localised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_localised(v) for v in value]
    return value


def _deadlines(ticket: Ticket) -> dict:
    """dispatch_due_at always; every later one once the step that starts it has happened."""
    due = {"dispatch_due_at": ticket.dispatch_due_at}
    for name in DEADLINE_FIELDS[1:]:
        if getattr(ticket, name) is not None:
            due[name] = getattr(ticket, name)
    if ticket.auto_close_due_at is not None:
        due["auto_close_due_at"] = ticket.auto_close_due_at
    return due
