"""Work orders (工单): one row per accepted request, with every deadline as a column (R-24)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class Ticket(Base):
    """A request from acceptance to archive; status changes only through workorders.state_machine."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_region_created", "region_code", "created_at"),
        Index("ix_tickets_status_overdue", "status", "overdue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 5101-20261127-000123
    status: Mapped[str] = mapped_column(String(24), index=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic check for clients
    channel: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(16), index=True)
    domain: Mapped[str | None] = mapped_column(String(32))  # duty domain (行业/职责), drives dispatch
    enterprise_related: Mapped[bool] = mapped_column(Boolean, default=False)  # 涉企
    special: Mapped[str] = mapped_column(String(16), default="none")  # none | special | special_urgent
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime]  # acceptance (原始受理时间 for handed-over tickets)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # opaque reference to the telephony call record (calls table lives in another migration branch)
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(ForeignKey("time_limit_policies.version"))
    calendar_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # R-04 out-of-scope disposition / R-06 direct answer
    disposition: Mapped[str | None] = mapped_column(String(24))
    disposition_note: Mapped[str | None] = mapped_column(Text)
    direct_answer: Mapped[str | None] = mapped_column(Text)
    # the unit a complaint is about (never dispatched to it)
    complained_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    precedent_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_precedents.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # deadlines (R-10 … R-15)
    dispatch_due_at: Mapped[datetime | None]
    sign_due_at: Mapped[datetime | None]
    return_due_at: Mapped[datetime | None]
    handle_due_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    progress_due_at: Mapped[datetime | None]
    auto_close_due_at: Mapped[datetime | None]
    # when the steps happened
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    last_progress_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)  # 办理结果/答复 to the caller
    # extension
    extension_requested_days: Mapped[int | None]
    extension_major: Mapped[bool] = mapped_column(Boolean, default=False)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    # redo / callback / satisfaction (R-16 … R-21)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    callback_round: Mapped[int] = mapped_column(Integer, default=1)
    satisfaction: Mapped[str | None] = mapped_column(String(32))  # last combined callback result
    status_before_dispute: Mapped[str | None] = mapped_column(String(24))
    screened_out: Mapped[bool] = mapped_column(Boolean, default=False)  # 甄别: excluded from the rate
    # supervision
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)  # earliest binding deadline not yet flagged
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
