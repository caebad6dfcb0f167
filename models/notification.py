"""Per-person notifications (issue #12), stored once per event with its audience, read marks per person.

A ticket event reaches the hotline roles of a region and the staff of a few units (hundreds of
units, many staff each): the notification is one row, its audience rows name the units and the
roles (a handful per event, never one row per person), and what a person has read is their
own: a read-through mark (everything up to an id, "全部已读") plus single read marks above it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from models.base import Base


class Notification(Base):
    """One notification: what happened to which ticket, for whom (the audience rows and region)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)  # newest first is id order
    type: Mapped[str] = mapped_column(String(64))  # the event's type (ticket.dispatched …)
    # a notification of a ticket that is gone means nothing: it goes with it (and its rows with it)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    # the event's data as its audience may see it (never a caller's identity, R-25), and the names
    # and due times the text needs, as they were when it happened
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the role recipients (notification_roles) get it only within this region's scope when regional
    regional: Mapped[bool] = mapped_column(Boolean, default=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class NotificationUnit(Base):
    """A unit whose staff get the notification (the unit concerned and the units above it)."""

    __tablename__ = "notification_units"

    # (unit, notification) first: "a unit's notifications, newest first" is one index range
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)


class NotificationRole(Base):
    """A role whose holders get the notification (within the region, when regional)."""

    __tablename__ = "notification_roles"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class NotificationRead(Base):
    """One person has read one notification (above their read-through mark)."""

    __tablename__ = "notification_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationReadThrough(Base):
    """Everything up to read_through_id counts as read for this person ("全部已读")."""

    __tablename__ = "notification_read_through"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_through_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
