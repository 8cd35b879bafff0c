"""Declarative base, column types shared by every domain, and SQLite hooks.

The naming convention gives every constraint a deterministic name, so Alembic can
drop and alter constraints the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    mapped_column,
    registry,
    scoped_session,
)
from sqlalchemy.pool import ConnectionPoolEntry

P = ParamSpec("P")
R = TypeVar("R")

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


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IMMEDIATE = "congdan_sqlite_immediate"


def end_read_snapshot(session: Session | scoped_session[Any]) -> None:
    """On SQLite, commit a read-only transaction before its first write.

    In WAL mode a transaction that has read and then writes fails at once
    (SQLITE_BUSY_SNAPSHOT) when another worker committed in between; a transaction
    that starts by writing waits for the lock instead (``busy_timeout``). Reads that
    log what they read call this before logging. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite" and not (
        session.new or session.dirty or session.deleted
    ):
        session.commit()


_WROTE = "congdan_wrote"
_WRITING = "congdan_writing"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_WRITING, None)


def begin_writing(session: Session | scoped_session[Any]) -> None:
    """Make the rest of the request one write transaction that waits for its turn.

    On SQLite, unless this transaction already holds the write lock (it wrote, or
    began with it), commit what was only read so far and ``BEGIN IMMEDIATE``: the
    lock is taken before the rows a decision rests on are read, so two requests
    deciding on the same rows run one after the other instead of failing.
    PostgreSQL needs nothing here: lock the rows with ``FOR UPDATE``.
    """
    current = session() if isinstance(session, scoped_session) else session
    bind = current.get_bind()
    if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
        return
    current.flush()
    if current.info.get(_WROTE) or current.info.get(_WRITING):
        return
    if current.in_transaction():
        current.commit()
    current.connection(execution_options={_IMMEDIATE: True})
    current.info[_WRITING] = True


def read_only(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a POST view that only reads, so it does not queue for SQLite's write lock."""
    view._congdan_read_only = True  # type: ignore[attr-defined]
    return view


def _handler(app: Flask) -> Any:
    view = app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return getattr(view_class, request.method.lower(), None)
    return view


def init_sqlite_writes(app: Flask, session: Callable[[], scoped_session[Any]]) -> None:
    """On SQLite, start every writing request with the write lock (``BEGIN IMMEDIATE``).

    SQLite has one writer at a time anyway; a request that reads and then writes
    in WAL mode fails at its first write if another committed in between. Taking
    the lock up front makes writers queue (``busy_timeout``) instead of failing.
    """

    @app.before_request
    def _writers_queue() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if getattr(_handler(app), "_congdan_read_only", False):
            return
        begin_writing(session())
