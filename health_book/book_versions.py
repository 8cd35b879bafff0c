"""Which version of a citizen's health book this is, for what is built from it.

Every flush that adds, changes or deletes a health record (or a profile) gives the
citizen's book a new random token, in the same transaction as the write, whatever
service wrote it. :func:`current` reads it; the own-summary cache
(``health_book/own_summary.py``) keys on it, so a cached summary is never served
after the book changed, in any worker.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db import insert_for, utcnow
from app.extensions import db
from health_book.models import BookVersion, RecordMixin


@event.listens_for(Session, "before_flush")
def _new_token_for_each_changed_book(session: Session, *_: Any) -> None:
    changed = {
        item.citizen_id
        for item in (*session.new, *session.dirty, *session.deleted)
        if isinstance(item, RecordMixin) and item.citizen_id is not None
    }
    if not changed:
        return
    upsert = insert_for(session.get_bind().dialect.name)
    for citizen_id in sorted(changed):  # one order: two writers never deadlock here
        token = secrets.token_hex(16)
        # One statement, insert or replace: two first writes for a citizen meet no
        # duplicate key, and no row is read that another writer might be changing.
        session.execute(
            upsert(BookVersion)
            .values(citizen_id=citizen_id, token=token, changed_at=utcnow())
            .on_conflict_do_update(
                index_elements=[BookVersion.citizen_id],
                set_={"token": token, "changed_at": utcnow()},
            )
        )


def current(citizen_id: uuid.UUID) -> str:
    """The citizen's book's token ("" before its first record was written)."""
    token = db.session.scalar(
        sa.select(BookVersion.token).where(BookVersion.citizen_id == citizen_id)
    )
    return token or ""
