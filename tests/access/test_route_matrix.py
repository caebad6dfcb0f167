"""The permission matrix over EVERY route and EVERY role (R-31, R-35), derived, not hand-listed.

For each operation of the application the permissions its declared gate requires (every
`require(...)` dependency on the route or its router) are read from the route itself; for
each role, access/permissions.py's ROLE_PERMISSIONS then says what the gate must decide:
a role lacking one of them gets 403 "missing permission", a role holding them all passes
the gate (whatever the handler then says: 404 for the absent id used here, 422 for the
missing body — never 401, never the gate's 403). Routes without a declared permission are
open to every signed-in role at the gate and are listed in SIGNED_IN_ONLY, so a new route
cannot silently go without one.
"""
from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from access.permissions import ROLE_PERMISSIONS, Permission, Role
from api.app import create_app
from tests.conftest import login

ACCOUNT_OF_ROLE = {Role.ADMIN: "admin", Role.SUPERVISOR: "supervisor", Role.AGENT: "agent1001",
                   Role.EXPERT: "expert2001", Role.UNIT_STAFF: "wh_zjj", Role.UNIT_LEADER: "wh_zjj_lead",
                   Role.AUDITOR: "auditor"}
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/api/v1/auth/token"), ("GET", "/metrics"),
          ("GET", "/api/v1/knowledge/public/search"),
          ("POST", "/api/v1/callbacks/sms/inbound")}  # the SMS gateway: its own shared token (callbacks/endpoints.py)
# the citizen portal (portal/): no account; per-address limits and a proof-of-work challenge instead
PUBLIC |= {("GET", "/api/v1/public/challenge"), ("GET", "/api/v1/public/regions"), ("POST", "/api/v1/public/requests"),
           ("GET", "/api/v1/public/requests/{number}"), ("POST", "/api/v1/public/requests/{number}/evaluation")}
ABSENT_ID = "2147483647"  # a valid id no row has: a holder passing the gate meets 404, never a real row


def _declared_permissions(dependant) -> set[Permission]:
    found = set()
    for dependency in dependant.dependencies:
        permission = getattr(dependency.call, "permission", None)
        if permission is not None:
            found.add(permission)
        found |= _declared_permissions(dependency)
    return found


def _operations() -> list[tuple[str, str, frozenset[Permission]]]:
    app = create_app()
    operations = []
    for route in iter_route_contexts(app.routes):  # through every included router
        if getattr(route, "methods", None) and getattr(route, "include_in_schema", False):
            needed = frozenset(_declared_permissions(route.dependant))
            operations += [(method, route.path, needed) for method in sorted(route.methods)]
    return operations


OPERATIONS = _operations()
GATED = [op for op in OPERATIONS if op[2]]
# signed in, any role, at the gate; the handler decides further (e.g. a ticket action's side)
SIGNED_IN_ONLY = {(m, p) for m, p, needed in OPERATIONS if not needed and (m, p) not in PUBLIC}


def test_the_walk_sees_every_operation_of_the_openapi_document():
    schema = create_app().openapi()
    documented = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert {(m, p) for m, p, _ in OPERATIONS} == documented
    assert len(GATED) >= 60  # most routes name their permission


def test_routes_without_a_declared_permission_are_few_and_known():
    """Adding a route without require(...) must be a decision: list it here with why."""
    assert SIGNED_IN_ONLY == EXPECTED_SIGNED_IN_ONLY, sorted(SIGNED_IN_ONLY ^ EXPECTED_SIGNED_IN_ONLY)


_TICKET_ACTIONS = ("approve_extension", "archive", "callback", "complete", "dispatch", "dispute", "progress",
                   "reject_extension", "request_extension", "return", "screen", "sign", "terminate")
EXPECTED_SIGNED_IN_ONLY: set[tuple[str, str]] = {
    # one's own account
    ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/password"),
    # every role computes a deadline and reads the knowledge base (drafts and review rights
    # are decided by the knowledge service: authorship, knowledge:write / knowledge:review)
    ("GET", "/api/v1/calendar/deadline"),
    ("GET", "/api/v1/workbench/time-left"),  # working time left until due times the caller names: no data
    ("GET", "/api/v1/knowledge/articles"), ("GET", "/api/v1/knowledge/articles/{article_id}"),
    ("GET", "/api/v1/knowledge/feedback"), ("GET", "/api/v1/knowledge/search"),
    ("POST", "/api/v1/knowledge/articles/{article_id}/feedback"),
    ("POST", "/api/v1/knowledge/articles/{article_id}/{action}"),
    # a ticket action's permission depends on the side the role acts for (ticket:dispatch for
    # the hotline, ticket:handle / ticket:approve for units): checked after the ticket is read
    *(("POST", f"/api/v1/tickets/{{ticket_id}}/actions/{action}") for action in _TICKET_ACTIONS),
}


@pytest.fixture
async def role_headers(client) -> dict[Role, dict[str, str]]:
    return {role: await login(client, username) for role, username in ACCOUNT_OF_ROLE.items()}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", ABSENT_ID, path)


def _is_gate_refusal(response) -> bool:
    return response.status_code == 403 and "missing permission" in response.json().get("detail", "")


async def test_every_gated_route_decides_for_every_role_as_the_matrix_says(client, role_headers):
    wrong = []
    for method, path, needed in GATED:
        for role, headers in role_headers.items():
            response = await client.request(method, _concrete(path), headers=headers)
            holds = needed <= ROLE_PERMISSIONS[role]
            if holds and (response.status_code == 401 or _is_gate_refusal(response)):
                wrong.append(f"{role} holds {sorted(needed)} but {method} {path} -> {response.status_code}")
            if not holds and not _is_gate_refusal(response):
                wrong.append(f"{role} lacks {sorted(needed - ROLE_PERMISSIONS[role])} but {method} {path} -> "
                             f"{response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_every_signed_in_route_lets_every_role_past_the_gate(client, role_headers):
    wrong = []
    for method, path in sorted(SIGNED_IN_ONLY):
        for role, headers in role_headers.items():
            response = await client.request(method, _concrete(path), headers=headers)
            if response.status_code == 401 or _is_gate_refusal(response):
                wrong.append(f"{role}: {method} {path} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
