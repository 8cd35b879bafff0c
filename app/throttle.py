"""Online-guessing defence, counted from the audit log.

After ``max_failures`` audited failures of one action in ``window`` — for one
subject (an account, a share code's owner…) or from one address — further attempts
wait until the oldest of those failures leaves the window. Counting audited
failures, rather than counters in process memory, gives every gunicorn worker and
host the same answer and survives restarts.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _wait_for(
    action: str, column: InstrumentedAttribute[str | None], value: str
) -> float:
    now = utcnow()
    failures = db.session.scalars(
        sa.select(AuditEvent.at)
        .where(
            AuditEvent.action == action,
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


def retry_after(action: str, subject_key: str | None, ip: str | None) -> int | None:
    """Seconds the caller must wait before trying ``action`` again, or ``None``."""
    waits = []
    if subject_key:
        waits.append(_wait_for(action, AuditEvent.subject_key, subject_key))
    if ip:
        waits.append(_wait_for(action, AuditEvent.ip, ip))
    longest = max(waits, default=0.0)
    return math.ceil(longest) if longest > 0 else None
