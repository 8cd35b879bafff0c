"""The inboxes: one per citizen, one per organisation (read by its staff)."""

from __future__ import annotations

import uuid
from datetime import datetime
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
