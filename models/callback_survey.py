"""Satisfaction surveys (回访, R-16): one row per caller of a completed ticket and callback round,
called by the ARI workers (phone_ivr) or sent by SMS (sms); its outcome goes through the
ticket's callback action (workorders.actions)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

# scheduled → calling → (scheduled again for a retry) → done | unreached | sms_sent → done | skipped
SURVEY_STATUSES = ("scheduled", "calling", "sms_sent", "done", "unreached", "skipped", "cancelled")


class CallbackSurvey(Base):
    __tablename__ = "callback_surveys"
    __table_args__ = (UniqueConstraint("ticket_caller_id", "round", name="uq_callback_surveys_caller_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_caller_id: Mapped[int] = mapped_column(ForeignKey("ticket_callers.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)  # the ticket's callback round
    phone: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(8), default="phone")  # phone | sms: how it is asked
    method: Mapped[str | None] = mapped_column(String(16))  # phone_ivr | sms: how it was answered
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    last_attempt_at: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(String(16))  # answered | busy | no_answer | failed
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # speed, resolution, overall: 1|2|3
    outcome: Mapped[str | None] = mapped_column(String(32))  # workorders CallbackResult
    call_id: Mapped[int | None] = mapped_column(Integer)
    recording_id: Mapped[int | None] = mapped_column(Integer)
    sms_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{at, result, call_id}]
