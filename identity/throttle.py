"""Online-guessing defence for the login page, counted from the audit log.

After 5 failed logins in 15 minutes for one account, or from one address, further
attempts get 429 with ``Retry-After`` until the oldest of those failures leaves the
window. Counting the audited failures, rather than keeping counters in process
memory, gives every gunicorn worker and host the same answer and survives restarts.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db

LOGIN_ACTION = "vneid.login"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _wait_for(column: InstrumentedAttribute[str | None], value: str) -> float:
    now = utcnow()
    failures = db.session.scalars(
        sa.select(AuditEvent.at)
        .where(
            AuditEvent.action == LOGIN_ACTION,
            AuditEvent.outcome == "failure",
            column == value,
            AuditEvent.at > now - WINDOW,
        )
        .order_by(AuditEvent.at.desc())
        .limit(MAX_FAILURES)
    ).all()
    if len(failures) < MAX_FAILURES:
        return 0.0
    return (failures[-1] + WINDOW - now).total_seconds()


def retry_after(account_key: str | None, ip: str | None) -> int | None:
    """Seconds the caller must wait before trying again, or ``None`` if they may."""
    waits = []
    if account_key:
        waits.append(_wait_for(AuditEvent.subject_key, account_key))
    if ip:
        waits.append(_wait_for(AuditEvent.ip, ip))
    longest = max(waits, default=0.0)
    return math.ceil(longest) if longest > 0 else None
