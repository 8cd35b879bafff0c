"""The citizen's view of who read their data (Estonia's data tracker, in the app)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import orm

from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound
from app.pagination import Page, paginate
from consent.models import AccessEvent
from identity.policies import is_guardian_of


def for_subject(
    actor: Actor, subject_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[AccessEvent]:
    """Access events about ``subject_id``, newest first: for them or their guardian.

    Anyone else, including staff acting for an organisation, gets 404: the log
    itself is personal data.
    """
    own = actor.org_id is None and actor.citizen_id == subject_id
    guardian = actor.org_id is None and is_guardian_of(
        actor.citizen_id, subject_id, utcnow().date()
    )
    if not (own or guardian):
        raise NotFound()
    statement = (
        sa.select(AccessEvent)
        .where(AccessEvent.subject_id == subject_id)
        .options(orm.joinedload(AccessEvent.organisation))
    )
    return paginate(
        statement,
        sort=AccessEvent.at,
        id_column=AccessEvent.id,
        cursor=cursor,
        limit=limit,
    )
