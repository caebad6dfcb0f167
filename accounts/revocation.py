"""What a change of a person's access sets off (R-35): their open websockets close (in every
API process: the signal travels on the event bus), their seat leaves the ACD so it is never
offered another call, and their seat's SIP secret is rotated (pbx.seat_secrets).

`revocation_reasons` is the pure rule; `rotate_seat` runs inside the change's transaction,
`end_sessions` after it is committed.
"""
from __future__ import annotations

import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession

from acd import states
from acd.store import AcdStore
from core.resources import Resources
from core.retry import at_most
from ivr.messages import AgentStateChanged
from ivr.notifier import Notifier
from models import User
from pbx import seat_secrets
from pbx.seat_secrets import SEAT_SECRETS_CHANGED
from realtime.bus import EventBus
from realtime.messages import SESSION_REVOKED, Audience

log = logging.getLogger(__name__)
LOGOUT_REASON = "账号变更，已签出 (account changed)"
# after the commit the request must still answer soon: a few short tries, then the log
POST_COMMIT_ATTEMPTS, POST_COMMIT_TIMEOUT = 3, 3.0


def revocation_reasons(*, before: dict, after: dict, password_changed: bool) -> list[str]:
    """Why the person's sessions must end: disabled, password, role, unit (empty: they go on).

    A display-name change revokes nothing; a unit change does, because it changes the scope.
    """
    reasons = []
    if before.get("active") and not after.get("active"):
        reasons.append("disabled")
    if password_changed:
        reasons.append("password")
    if before.get("role") != after.get("role"):
        reasons.append("role")
    if before.get("org_unit_id") != after.get("org_unit_id"):
        reasons.append("unit")
    return reasons


async def rotate_seat(session: AsyncSession, user: User) -> None:
    """A new SIP secret for the user's seat, committed with the change itself."""
    if user.extension:
        await seat_secrets.rotate(session, user.extension)


async def end_sessions(resources: Resources, *, user: User, reasons: list[str]) -> None:
    """After the change is committed: log the seat out of the ACD, then close every socket.

    Each step is retried a few times; a Redis outage that outlasts them is logged, never turned
    into an error for a change that is already committed: the token version stops every REST
    call at once, and the sockets close at their next token refresh or expiry.
    """
    bus = EventBus.for_resources(resources)
    context = {"user_id": user.id}
    if user.extension:
        await at_most(POST_COMMIT_ATTEMPTS, lambda: _log_out_seat(resources, bus, user),
                      what="log the seat out of the ACD", attempt_timeout=POST_COMMIT_TIMEOUT, context=context)
    await at_most(POST_COMMIT_ATTEMPTS, lambda: bus.publish(SESSION_REVOKED, {"user_id": user.id, "reasons": reasons},
                                                            audience=Audience(user_ids=[user.id])),
                  what="close the user's sockets", attempt_timeout=POST_COMMIT_TIMEOUT, context=context)
    if user.extension:  # the workers beside Asterisk re-render and reload res_pjsip
        await at_most(POST_COMMIT_ATTEMPTS, lambda: bus.publish(SEAT_SECRETS_CHANGED, {"extension": user.extension}),
                      what="tell the workers of the new seat secret", attempt_timeout=POST_COMMIT_TIMEOUT,
                      context=context)


async def _log_out_seat(resources: Resources, bus: EventBus, user: User) -> None:
    try:
        agent = await AcdStore(resources.redis).request_state(user.id, states.LOGGED_OUT, LOGOUT_REASON, time.time())
    except KeyError:  # never signed in to the ACD: nothing to log out
        return
    await Notifier(bus).publish("agent.state", AgentStateChanged(
        agent_id=agent.user_id, username=agent.username, extension=agent.extension,
        state=agent.state.state, reason=agent.state.reason, call_id=agent.call_id,
        pending_state=agent.state.pending_state))
