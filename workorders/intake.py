"""Acceptance rules (R-04 … R-06), pure: which required elements are missing, which status a new ticket gets."""
from __future__ import annotations

from workorders.state_machine import Status

# every accepted request records caller contact, content, category, time of the matter, address.
REQUIRED_ELEMENTS = ("caller.phone", "content", "category", "occurred_at", "address")
# An emergency is transferred at once: nothing may hold it up but what identifies the call.
EMERGENCY_REQUIRED = ("caller.phone", "content", "category")


def missing_elements(values: dict[str, object], *, disposition: str | None) -> list[str]:
    """Names of the R-05 elements that are absent or blank."""
    required = EMERGENCY_REQUIRED if disposition == "emergency_transfer" else REQUIRED_ELEMENTS
    return [name for name in required if values.get(name) in (None, "") or
            (isinstance(values.get(name), str) and not str(values[name]).strip())]


def hidden_from_units(*, category: str, confidential: bool) -> bool:
    """R-25: units never learn who a confidential caller or a reporter (举报) is.

    Decided for each caller when they call (and again when they join a report by a merge, with
    `confidential` their current flag): the answer is stored with the caller and never cleared.
    """
    return confidential or category == "report"


def initial_status(*, disposition: str | None, direct_answer: str | None) -> Status:
    """Out-of-scope (R-04) and direct answers (R-06) close at acceptance; everything else awaits dispatch."""
    if disposition and direct_answer:
        raise ValueError("a ticket is either out of scope or answered directly, not both")
    if disposition:
        return Status.OUT_OF_SCOPE
    if direct_answer:
        return Status.DIRECT_ANSWERED
    return Status.PENDING_DISPATCH
