"""When consent happened, for the operations centre's aggregates: moments only,
never who asked, who answered or about whom."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from app.extensions import db
from consent.models import (
    ArtefactStatus,
    ConsentRequest,
    ConsentStatusChange,
    EmergencyAccess,
)

#: The kinds of consent activity the dashboard counts.
KINDS = ("requests", "approvals", "revocations", "emergency_accesses")


def activity_times(start: datetime, end: datetime) -> dict[str, list[datetime]]:
    """The moment of each consent event from ``start`` up to ``end``, by kind:
    requests made, consents granted, consents revoked, emergency accesses opened."""

    def moments(
        column: orm.InstrumentedAttribute[datetime], *where: sa.ColumnElement[bool]
    ) -> list[datetime]:
        return list(
            db.session.scalars(
                sa.select(column).where(column >= start, column < end, *where)
            )
        )

    return {
        "requests": moments(ConsentRequest.created_at),
        "approvals": moments(
            ConsentStatusChange.at, ConsentStatusChange.status == ArtefactStatus.GRANTED
        ),
        "revocations": moments(
            ConsentStatusChange.at, ConsentStatusChange.status == ArtefactStatus.REVOKED
        ),
        "emergency_accesses": moments(EmergencyAccess.opened_at),
    }
