"""Callback tasks for agents (回拨): a caller who hung up while waiting in a queue (漏接回拨),
or a survey nobody answered (the callback desk's list)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

TASK_KINDS = ("missed_call", "survey")
TASK_STATUSES = ("open", "done", "expired")


class CallbackTask(Base):
    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    abandons: Mapped[int] = mapped_column(Integer, default=1)  # missed calls gathered in this task
    first_call_id: Mapped[int | None] = mapped_column(Integer)  # the first abandoned call
    last_call_id: Mapped[int | None] = mapped_column(Integer)  # the latest abandoned call
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # call-backs made by agents
    outcome: Mapped[str | None] = mapped_column(String(32))  # got_through | called_back | expired | surveyed
    closed_at: Mapped[datetime | None]
    closed_by_call_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("callback_surveys.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
