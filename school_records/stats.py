"""When transcripts were issued, for the operations centre's aggregates: moments
only, never whose or by which school."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from school_records.models import Transcript


def issue_times(start: datetime, end: datetime) -> list[datetime]:
    """The moment each transcript in the period was published (signed by its
    principal), corrections included."""
    published = Transcript.published_at
    return list(
        db.session.scalars(
            sa.select(published).where(
                published.is_not(None), published >= start, published < end
            )
        )
    )
