"""The audit log: an append-only, hash-chained record of security events.

Logins, consents, revocations, break-glass access and key rotations are recorded
here. Rows hold ids and keyed hashes, never secrets, tokens, OTPs or full national
ids. Each row stores the hash of the previous row and its own hash over both, so
editing, deleting or reordering rows breaks the chain where ``flask audit verify``
finds it; database triggers refuse UPDATE and DELETE outright.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    def compute_hash(self) -> str:
        """SHA-256 over the previous hash and this row's content."""
        content = [
            self.prev_hash,
            self.at.isoformat(),
            self.action,
            self.outcome,
            str(self.actor_id) if self.actor_id else None,
            self.subject_key,
            self.client_id,
            self.ip,
            self.details,
        ]
        canonical = json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


#: Any fixed number: the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK = 740_095_101


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
    if db.session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both append after the same row.
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK}
        )
    previous = db.session.scalar(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    )
    event = AuditEvent(
        at=utcnow(),
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        subject_key=subject_key,
        client_id=client_id,
        ip=client_ip(),
        details=details,
        prev_hash=previous,
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    db.session.flush()
    return event


def first_broken_row() -> int | None:
    """Walk the chain in order; return the id of the first row that does not fit."""
    previous: str | None = None
    rows = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(
        1000
    )
    for row in rows:
        if row.prev_hash != previous or row.hash != row.compute_hash():
            return row.id
        previous = row.hash
    return None
