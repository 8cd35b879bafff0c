"""How many transcripts were issued, for the operations centre's aggregates:
counts per span of time only, never whose or by which school."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.db import spans_select
from school_records.models import Transcript


def issue_select(boundaries: Sequence[datetime]) -> sa.Select[Any]:
    """The count of transcripts published (signed by their principal) in each span
    between ``boundaries``, corrections included (``app.db.count_spans`` runs it)."""
    return spans_select(Transcript.published_at, boundaries)
