"""Ticket responses per principal: what a handling unit may not see is never serialised (R-25).

For a caller hidden from units (`TicketCaller.hidden_from_units`: confidential, or a
reporter — decided at intake and kept through merges) a unit-side principal gets no name,
no phone and no source ticket, in every response and export; and wherever such a name or
number was typed into free text the unit reads (content, reply, history notes …), it is
replaced by REDACTED. Hotline-side lists mask them; full values appear only in the detail
view and the export, which the endpoints audit.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.masking import mask_name, mask_phone
from core.timeutil import business_time
from models import Ticket, TicketAssignment, TicketCaller, TicketEvent
from workorders.deadlines import DEADLINE_FIELDS
from workorders.state_machine import STATUS_LABELS, Side, Status, allowed_actions


@dataclass(frozen=True)
class Viewer:
    side: Side
    personal: bool  # holds PERSONAL_DATA_READ (an expert seat, say, does not)


REDACTED = "[保密]"
TEXT_FIELDS = ("content", "address", "reply", "disposition_note", "direct_answer")


def hidden_from(viewer: Viewer, caller: TicketCaller) -> bool:
    """True when this viewer must never see the caller's identity (decided per caller, at intake)."""
    if not viewer.personal:
        return True
    return viewer.side is Side.UNIT and caller.hidden_from_units


def caller_out(caller: TicketCaller, viewer: Viewer, *, full: bool) -> dict:
    hidden = hidden_from(viewer, caller)
    if hidden:
        name = phone = None
    elif full:
        name, phone = caller.name, caller.phone
    else:
        name, phone = mask_name(caller.name), mask_phone(caller.phone)
    return {"id": caller.id, "name": name, "phone": phone, "confidential": caller.confidential, "hidden": hidden,
            # the source ticket of a hidden caller would name the report it came from
            "source_ticket_id": None if hidden else caller.source_ticket_id,
            "callback_result": caller.callback_result, "callback_round": caller.callback_round}


def reveals_identity(callers: Sequence[TicketCaller], viewer: Viewer) -> bool:
    """Whether a full view of this ticket shows someone's name or phone (→ audit it)."""
    return any(not hidden_from(viewer, c) for c in callers)


@dataclass(frozen=True)
class Redactor:
    """Blanks hidden callers' names and numbers out of free text (an agent may have typed them in a note)."""

    pattern: re.Pattern | None

    def text(self, value: str | None) -> str | None:
        return value if value is None or self.pattern is None else self.pattern.sub(REDACTED, value)

    def deep(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value


def redactor_for(callers: Sequence[TicketCaller], viewer: Viewer) -> Redactor:
    """What this viewer may not read in the ticket's texts: the names and numbers of its hidden callers."""
    parts = set()
    for caller in callers:
        if not hidden_from(viewer, caller):
            continue
        for digits in _number_forms(caller.phone):  # written with spaces or dashes between the digits too
            parts.add(r"[\s\-]?".join(digits))
        if caller.name and len(caller.name.strip()) >= 2:  # one character would blank every use of it
            parts.add(re.escape(caller.name.strip()))
    if not parts:
        return Redactor(None)
    return Redactor(re.compile("|".join(sorted(parts, key=len, reverse=True))))


def _number_forms(phone: str | None) -> set[str]:
    """The digits of a number as people write it: whole, without +86, and its last eight (a landline's local part).

    Alternatives are tried longest first, so where the whole number was written it is blanked whole.
    """
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 5:
        return set()
    forms = {digits, digits[-8:]}
    if digits.startswith("86") and len(digits) > 11:
        forms.add(digits[2:])
    return forms


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
    if viewer.side is Side.UNIT:
        data["call_id"] = None  # the call record holds the caller's number; units handle no calls
    redactor = redactor_for(callers, viewer)
    for field in TEXT_FIELDS:
        data[field] = redactor.text(data[field])
    data["callers"] = [caller_out(c, viewer, full=full) for c in callers]
    data["assignments"] = [{"unit_id": a.unit_id, "unit_name": names.get(a.unit_id), "role": a.role,
                            "active": a.active, "assigned_at": a.assigned_at} for a in assignments]
    data["allowed_actions"] = [a.value for a in allowed_actions(ticket.status, viewer.side)]
    return _localised(data)


def history_out(events: Sequence[TicketEvent], callers: Sequence[TicketCaller], viewer: Viewer) -> list[dict]:
    """The ticket's steps as this viewer may read them (notes and details redacted for units)."""
    redactor = redactor_for(callers, viewer)
    return [{"id": e.id, "at": e.at, "action": e.action, "side": e.side,
             "actor_username": e.actor_username, "unit_id": e.unit_id, "from_status": e.from_status,
             "to_status": e.to_status, "note": redactor.text(e.note), "detail": redactor.deep(e.detail or {})}
            for e in events]


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
