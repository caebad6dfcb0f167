"""Calls: one row per inbound call to the hotline, written by the ARI worker at every phase."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base

# Final outcome of a call: the answer rate is answered / (answered + abandoned).
DISPOSITIONS = ("answered", "abandoned", "ivr_ended", "blocked", "transferred", "emergency",
                "outbound")  # outbound: a call the platform made (survey, click-to-call), not in the answer rate
# Live phase while the call is up; "ended" once it is over.
PHASES = ("ivr", "queued", "ringing", "bridged", "ended")


class Call(Base):
    """One call from a caller (来电), from the first ring to the last hang-up."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the caller's Asterisk channel (ARI id = uniqueid): the key the worker re-syncs by
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)
    app: Mapped[str] = mapped_column(String(64), index=True)  # Stasis application owning the call
    node: Mapped[str] = mapped_column(String(64), default="")  # the Asterisk node (its ARI address)
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    called_number: Mapped[str] = mapped_column(String(32), default="12345")
    phase: Mapped[str] = mapped_column(String(16), default="ivr")
    disposition: Mapped[str | None] = mapped_column(String(16), index=True)
    queue: Mapped[str | None] = mapped_column(String(48), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    menu_choice: Mapped[str | None] = mapped_column(String(16))
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    extension: Mapped[str | None] = mapped_column(String(16))
    bridge_id: Mapped[str | None] = mapped_column(String(64))
    recording_name: Mapped[str | None] = mapped_column(String(128))  # the live ARI recording
    # not a foreign key (recordings.call_id points here): set once the file is stored
    recording_id: Mapped[int | None] = mapped_column(Integer)
    emergency_service: Mapped[str | None] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    entered_queue_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    ended_by: Mapped[str | None] = mapped_column(String(16))  # caller | agent | system
    # the region the call belongs to (GB/T 2260 code; calls.region explains how it is chosen):
    # a city centre's staff see, control and hear only their region's calls
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # inbound: a citizen called 12345; outbound: the platform called the citizen (survey,
    # click-to-call: caller_number is then the citizen's number, called_number 12345's side)
    direction: Mapped[str] = mapped_column(String(8), default="inbound", server_default="inbound")
    ticket_id: Mapped[int | None] = mapped_column(Integer)  # an outbound call's ticket
    callback_id: Mapped[int | None] = mapped_column(Integer)  # an outbound call's callback task
