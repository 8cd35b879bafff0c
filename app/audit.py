"""The audit log: an append-only record of security-relevant events.

Logins, token issuance and revocation, and (later) every cross-party read are
recorded here. Rows hold ids and keyed hashes, never secrets, tokens, OTPs or full
national ids.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.extensions import db


class AuditEvent(Base):
    """One security-relevant event."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_action_subject_at", "action", "subject_key", "at"),
        sa.Index("ix_audit_events_action_ip_at", "action", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[uuid.UUID | None]
    #: A keyed hash identifying what was acted on when no row exists for it
    #: (the national id typed into a login form, say).
    subject_key: Mapped[str | None] = mapped_column(sa.String(64))
    client_id: Mapped[str | None] = mapped_column(sa.String(100))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under the app secret: joinable, not reversible."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def client_ip() -> str | None:
    """The caller's address as the WSGI server saw it."""
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    outcome: str,
    *,
    actor_id: uuid.UUID | None = None,
    subject_key: str | None = None,
    client_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the current transaction (committed with the request)."""
    event = AuditEvent(
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        subject_key=subject_key,
        client_id=client_id,
        ip=client_ip(),
        details=details,
    )
    db.session.add(event)
    return event
