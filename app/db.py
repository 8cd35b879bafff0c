"""Declarative base, column types shared by every domain, and SQLite hooks.

The naming convention gives every constraint a deterministic name, so Alembic can
drop and alter constraints the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.pool import ConnectionPoolEntry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware and stored in UTC.

    SQLite has no timezone type and hands back naive values; PostgreSQL converts to
    the session time zone. Both come back here as aware UTC datetimes, and a naive
    datetime is refused on the way in rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, storing values."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: sa.Uuid()},
    )


class TimestampMixin:
    """``created_at`` and ``updated_at``, set by the application in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Give SQLite real transactions, foreign keys, WAL and a lock timeout.

    pysqlite on Python 3.11 opens transactions lazily and cannot nest SAVEPOINTs
    under them; turning its own handling off and emitting BEGIN ourselves (below)
    is the SQLAlchemy-documented recipe.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL lets readers go on while a gunicorn worker writes; memory databases
    # answer "memory" and stay as they are.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL is still corruption-safe; it only lets a power cut lose the
    # last commits, which is right for the embedded development database.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def spans_select(
    column: Any, boundaries: Sequence[datetime], *where: sa.ColumnElement[bool]
) -> sa.Select[Any]:
    """``(span, count)`` of the rows whose ``column`` lies in each span
    ``[boundaries[i], boundaries[i+1])``, counted by the database (for
    :func:`count_spans`)."""
    span = sa.case(
        *((column < bound, index) for index, bound in enumerate(boundaries[1:])),
    )
    return (
        sa.select(span.label("span"), sa.func.count().label("rows"))
        .where(column >= boundaries[0], column < boundaries[-1], *where)
        .group_by(span)
    )


def count_spans(selects: dict[str, sa.Select[Any]], spans: int) -> dict[str, list[int]]:
    """Run several :func:`spans_select` in one query (``UNION ALL``): per name,
    the count of each of ``spans`` spans. No row comes back but the counts."""
    from app.extensions import db  # the session; app.extensions imports this module

    counts = {name: [0] * spans for name in selects}
    if not selects or not spans:
        return counts
    named = [
        sa.select(sa.literal(name).label("name"), select.subquery())
        for name, select in selects.items()
    ]
    for name, span, rows in db.session.execute(sa.union_all(*named)):
        counts[name][span] = rows
    return counts


def insert_for(dialect_name: str) -> Any:
    """The dialect's ``INSERT`` construct, for ``ON CONFLICT`` (SQLite and PostgreSQL
    spell it alike): one statement that inserts or, on a duplicate key, does nothing
    or updates, so concurrent writers of the same key never fail."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect_name]
