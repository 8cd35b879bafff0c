"""How much consent activity there was, for the operations centre's aggregates:
counts per span of time only, never who asked, who answered or about whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.db import spans_select
from consent.models import (
    ArtefactStatus,
    ConsentRequest,
    ConsentStatusChange,
    EmergencyAccess,
)

#: The kinds of consent activity the dashboard counts.
KINDS = ("requests", "approvals", "revocations", "emergency_accesses")


def activity_selects(boundaries: Sequence[datetime]) -> dict[str, sa.Select[Any]]:
    """Per kind, the count of consent events in each span between ``boundaries``
    (``app.db.count_spans`` runs them): requests made, consents granted, consents
    revoked, emergency accesses opened."""
    changes = ConsentStatusChange.at
    return {
        "requests": spans_select(ConsentRequest.created_at, boundaries),
        "approvals": spans_select(
            changes, boundaries, ConsentStatusChange.status == ArtefactStatus.GRANTED
        ),
        "revocations": spans_select(
            changes, boundaries, ConsentStatusChange.status == ArtefactStatus.REVOKED
        ),
        "emergency_accesses": spans_select(EmergencyAccess.opened_at, boundaries),
    }
