"""The inboxes: one per citizen, one per organisation (read by its staff)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Notification(Base):
    """A message for a citizen, or for the staff of an organisation."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint(
            "(citizen_id IS NULL) <> (org_id IS NULL)", name="one_recipient"
        ),
        sa.Index("ix_notifications_citizen_created", "citizen_id", "created_at"),
        sa.Index("ix_notifications_org_created", "org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    org_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Device(Base):
    """A phone or browser of a citizen that receives pushes."""

    __tablename__ = "notification_devices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    #: ``android`` or ``ios`` (an FCM registration token) or ``web`` (Web Push).
    platform: Mapped[str] = mapped_column(sa.String(10))
    #: The FCM registration token, or the Web Push subscription's endpoint.
    address: Mapped[str] = mapped_column(sa.String(2048))
    #: SHA-256 of the address: one device per address, whoever registered it last.
    address_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Web Push: the subscription's ``p256dh`` and ``auth`` keys.
    keys: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    label: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def channel(self) -> str:
        """The channel that reaches it: ``fcm`` or ``webpush``."""
        return "webpush" if self.platform == "web" else "fcm"


class Preferences(Base):
    """How a citizen wants to be told: pushes, texts, quiet hours, language."""

    __tablename__ = "notification_preferences"

    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True
    )
    push: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=True)
    #: Local time (Asia/Ho_Chi_Minh) when nothing is sent; both set or neither.
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    language: Mapped[str] = mapped_column(sa.String(2), default="vi")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TextsSent(Base):
    """How many texts of a kind a citizen was sent on a day, and when the last was:
    the allowance that keeps anyone from having a citizen texted again and again."""

    __tablename__ = "notification_texts_sent"

    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
