"""What a change of a person's access sets off (R-35): their open websockets close (in every
API process: the signal travels on the event bus), their seat leaves the ACD so it is never
offered another call, and their seat's SIP secret is rotated.

`revocation_reasons` is the pure rule; `Revocation.rotate_seat` runs inside the change's
transaction, `Revocation.end_sessions` after it is committed. What happens to a seat is behind
the SeatAccess port: accounts knows neither the ACD nor the PBX (the composition root wires in
desktop.seat_access).
"""
from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from accounts.events import AccountNotifier, SessionRevoked
from core.retry import at_most
from models import User

log = logging.getLogger(__name__)
# after the commit the request must still answer soon: a few short tries, then the log
POST_COMMIT_ATTEMPTS, POST_COMMIT_TIMEOUT = 3, 3.0


class SeatAccess(Protocol):
    """What ending a person's access does to their seat."""

    async def rotate_sip_secret(self, session: AsyncSession, extension: str) -> None:
        """Store a new SIP secret for the seat, inside the change's transaction."""

    async def sign_out(self, user_id: int) -> None:
        """After the commit: log the seat out of the ACD (nothing when it never signed in)."""

    async def announce_sip_secret(self, extension: str) -> None:
        """After the commit: tell the workers beside Asterisk to load the seat's new secret."""


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


class Revocation:
    def __init__(self, notifier: AccountNotifier, seats: SeatAccess) -> None:
        self.notifier, self.seats = notifier, seats

    async def rotate_seat(self, session: AsyncSession, user: User) -> None:
        """A new SIP secret for the user's seat, committed with the change itself."""
        if user.extension:
            await self.seats.rotate_sip_secret(session, user.extension)

    async def end_sessions(self, *, user: User, reasons: list[str]) -> None:
        """After the change is committed: log the seat out of the ACD, then close every socket.

        Each step is retried a few times; a Redis outage that outlasts them is logged, never turned
        into an error for a change that is already committed: the token version stops every REST
        call at once, and the sockets close at their next token refresh or expiry.
        """
        context = {"user_id": user.id}
        if user.extension:
            await at_most(POST_COMMIT_ATTEMPTS, lambda: self.seats.sign_out(user.id),
                          what="log the seat out of the ACD", attempt_timeout=POST_COMMIT_TIMEOUT, context=context)
        revoked = SessionRevoked(user_id=user.id, reasons=reasons)
        await at_most(POST_COMMIT_ATTEMPTS, lambda: self.notifier.session_revoked(revoked),
                      what="close the user's sockets", attempt_timeout=POST_COMMIT_TIMEOUT, context=context)
        if user.extension:  # the workers beside Asterisk re-render and reload res_pjsip
            await at_most(POST_COMMIT_ATTEMPTS, lambda: self.seats.announce_sip_secret(user.extension),
                          what="tell the workers of the new seat secret", attempt_timeout=POST_COMMIT_TIMEOUT,
                          context=context)
