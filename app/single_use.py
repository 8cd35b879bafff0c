"""Values that may be presented once: the ``jti`` of a client assertion or of a DPoP
proof, and whatever else must never be accepted twice within its lifetime.

Each value is kept by its digest, under a purpose, until it would be refused anyway
(its token expired); a value seen again before then is a replay. Times are the
wall clock's, as the tokens' own ``exp`` and ``iat`` are, not the application's
business clock. The claim is one
``INSERT … ON CONFLICT`` in the request's transaction, so two workers or hosts
presenting the same value at once cannot both win: on PostgreSQL the second waits
on the unique key and then finds it taken; SQLite has one writer at a time.
"""

from __future__ import annotations

import functools
import hashlib
import random
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app import unit_of_work
from app.db import Base
from app.extensions import db


def wall_clock() -> datetime:
    """Now, as protocol times (``iat``, ``exp``) are read."""
    return datetime.now(UTC)


_SWEEP_CHANCE = 1 / 256


class SingleUseMark(Base):
    """A value already presented for ``purpose``, remembered until ``expires_at``."""

    __tablename__ = "single_use_marks"

    purpose: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def claim_once(purpose: str, value: str, until: datetime) -> bool:
    """Mark ``value`` used for ``purpose`` until ``until``; False if it already was.

    The mark outlives the request: a refused request rolls back, and its proof
    (which binds no body) must not work again for another body. A mark whose time
    has passed is taken over, so the table holds only what could still be
    replayed; :func:`purge` deletes the rest.
    """
    # A read (an API GET) writes here: on SQLite it must hold the write lock
    # first, or another writer's commit in between fails the upgrade.
    unit_of_work.begin_writing()
    digest = hashlib.sha256(value.encode()).hexdigest()
    claimed = _mark(purpose, digest, until)
    if claimed:
        unit_of_work.keep(functools.partial(_mark, purpose, digest, until))
        # Every API call leaves a mark for two minutes: now and then one claim
        # also sweeps the stale ones, so the table stays small between runs of
        # flask purge-expired.
        if random.random() < _SWEEP_CHANCE:  # noqa: S311 - not a secret
            purge()
    return claimed


def _mark(purpose: str, digest: str, until: datetime) -> bool:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(SingleUseMark).values(
        purpose=purpose, value_digest=digest, expires_at=until
    )
    # RETURNING says whether a row was written: an ORM insert's rowcount is not
    # reported on every driver (psycopg answers -1).
    written = db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["purpose", "value_digest"],
            set_={"expires_at": insert.excluded.expires_at},
            where=SingleUseMark.expires_at <= wall_clock(),
        ).returning(SingleUseMark.purpose)
    ).first()
    return written is not None


def purge() -> int:
    """Delete the marks whose values would be refused anyway; how many went."""
    deleted = db.session.execute(
        sa.delete(SingleUseMark).where(SingleUseMark.expires_at <= wall_clock())
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
