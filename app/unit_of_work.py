"""The unit of work: the one place that commits and rolls back.

Every request runs its view in one transaction (:class:`Application`,
:func:`transaction`): a view that returns commits it; a view that raises rolls it
back, so a failed request leaves no half-written rows (a refusal that is itself
the outcome, ``Problem.commits_work``, commits what led to it). CLI commands, seeders and
jobs use the same :func:`transaction`. Routes,
services and policies never commit: they say what must happen around the
transaction through this module, each use named for its reason:

* :func:`keep` — something that must be written even when the request fails (the
  access event of a denied read, the audit record of a refusal, the revocation of
  a replayed refresh token). It is written in the request's transaction if the
  request succeeds, else in a transaction of its own after the rollback.
* :func:`checkpoint` — settle what the request has done so far, before calling a
  service that must see it or must not wait behind this transaction's locks (the
  embedded provider runs in-process in development and tests).
* :func:`after_commit` — work that may only start once the request's changes are
  committed (telling relying parties a login ended); what it writes is committed
  in turn.

SQLite has one writer at a time and, in WAL mode, fails a transaction that read
and then writes if another connection committed in between. So a writing request
takes the write lock up front (``BEGIN IMMEDIATE``; :func:`read_only` views are
spared), and :func:`begin_writing` turns a transaction that has only read into one
that holds the lock before its first write. Writers of every process queue for it
in the kernel, on a lock file beside the database, before they ask SQLite: SQLite's
own wait is a back-off of sleeps that lets a late writer in before one that has
waited (concurrent submissions had a p99 of 114–240 ms and outliers of a second;
queued, 22–28 ms). PostgreSQL needs none of this.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from flask import Flask, g, has_app_context, request
from flask.typing import ResponseReturnValue
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from app.db import Base
from app.errors import Problem
from app.extensions import db

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)

#: Something to write even if the request fails: a row, or an action that writes.
Kept = Base | Callable[[], object]


class Application(Flask):
    """Flask whose every view runs in the request's unit of work."""

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view in one transaction; once more if the database dropped us first."""
        g.pop(_ANSWERED, None)
        try:
            with transaction():
                return super().dispatch_request()
        except DBAPIError as error:
            if not error.connection_invalidated or g.get(_ANSWERED):
                raise
        # The pool's connection had died (a database restart, an idle timeout) and
        # nothing of this request had reached the database: the view starts again
        # on a fresh connection, instead of every request pinging before it starts.
        log.warning("database connection dropped before the request's first answer")
        with transaction():
            return super().dispatch_request()


@contextlib.contextmanager
def transaction() -> Iterator[scoped_session[Any]]:
    """One unit of work: committed if the block ends, rolled back if it raises.

    Every request runs its view in one; CLI commands, seeders and jobs open their
    own.
    """
    session = db.session
    try:
        yield session
    except Problem as refusal:
        if not refusal.commits_work:
            _roll_back(session)
            raise
        _commit(session)
        raise
    except BaseException:
        _roll_back(session)
        raise
    else:
        _commit(session)
    _run_after_commit(session)


def _commit(session: scoped_session[Any]) -> None:
    try:
        _write_kept(session)
        session.commit()
    except BaseException:
        _roll_back(session)
        raise


def _roll_back(session: scoped_session[Any]) -> None:
    session.rollback()
    _write_kept_alone(session)


def keep(item: Kept) -> None:
    """Write ``item`` whether or not the unit of work succeeds.

    A row is added as it is (do not add it to the session yourself); an action is
    called and may add or change rows. Either is written at the end: with the
    unit's changes if it commits, in a transaction of its own after the rollback
    if it fails.
    """
    _pending(_KEPT).append(item)


def checkpoint() -> None:
    """Commit what the request has done so far.

    For the moment before a call to another service (in development and tests the
    embedded provider, in-process) that must see these changes or would otherwise
    wait behind this transaction's locks. What follows is a new transaction.
    """
    db.session.commit()


def after_commit(action: Callable[[], object]) -> None:
    """Run ``action`` once the unit's changes are committed, then commit its own."""
    _pending(_AFTER_COMMIT).append(action)


_KEPT = "congdan_kept"
_AFTER_COMMIT = "congdan_after_commit"


def _pending(name: str) -> list[Any]:
    items: list[Any] | None = g.get(name)
    if items is None:
        items = []
        setattr(g, name, items)
    return items


def _take(name: str) -> list[Any]:
    if not has_app_context():
        return []
    items: list[Any] = g.pop(name, None) or []
    return items


def _apply(session: scoped_session[Any], item: Kept) -> None:
    if isinstance(item, Base):
        session.add(item)
    else:
        item()


def _write_kept(session: scoped_session[Any]) -> None:
    kept = _take(_KEPT)
    if kept:
        begin_writing()  # a request that only read so far
    for item in kept:
        _apply(session, item)


def _write_kept_alone(session: scoped_session[Any]) -> None:
    """After a rollback: write what must survive it, in a transaction of its own."""
    _take(_AFTER_COMMIT)
    kept = _take(_KEPT)
    if not kept:
        return
    try:
        for item in kept:
            _apply(session, item)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write what a failed request had to keep")


def _run_after_commit(session: scoped_session[Any]) -> None:
    actions = _take(_AFTER_COMMIT)
    if not actions:
        return
    try:
        for action in actions:
            action()
        session.commit()
    except Exception:
        # The unit's own changes are committed: report the failure, not the unit.
        session.rollback()
        log.exception("work after a commit failed")


# --- SQLite: one writer, and transactions that wait for it -------------------------

_ANSWERED = "congdan_database_answered"


@event.listens_for(Engine, "after_cursor_execute")
def _note_an_answer(*_: Any) -> None:
    if has_app_context():
        setattr(g, _ANSWERED, True)


_IMMEDIATE = "congdan_sqlite_immediate"
_WROTE = "congdan_wrote"
_WRITING = "congdan_writing"
_HOLDS_WRITER_LOCK = "congdan_holds_writer_lock"


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        took = _queue_for_the_writer_lock(connection.engine.url.database)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if took:
                _leave_the_writer_lock()
            raise


class _WriterQueue(threading.local):
    """This thread's lock files (one descriptor per database) and the one it holds."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self.held: int | None = None


_writer_queue = _WriterQueue()
#: How long a writer waits in line before it falls back on SQLite's own wait (as
#: long as SQLite's ``busy_timeout``).
WRITER_WAIT_SECONDS = 5.0


def _queue_for_the_writer_lock(database: str | None) -> bool:
    """Wait in line for this database's one writer (see the module doc); tell
    whether this thread now holds the line's lock.

    The wait is bounded like SQLite's own (``WRITER_WAIT_SECONDS``): a writer that
    holds the lock too long (it should not: slow work belongs before the lock, as
    an upload's check is) delays the others, never stalls them; past the bound
    they fall back on SQLite's wait. A thread that already holds the lock (a
    transaction opened inside another, as a test may) does not wait for itself.
    """
    if not database or database == ":memory:" or _writer_queue.held is not None:
        return False
    descriptor = _writer_queue.files.get(database)
    if descriptor is None:
        descriptor = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        _writer_queue.files[database] = descriptor
    deadline = time.monotonic() + WRITER_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                log.warning(
                    "waited %.0f s for the SQLite writer lock", WRITER_WAIT_SECONDS
                )
                return False
            time.sleep(0.001)
            continue
        _writer_queue.held = descriptor
        return True


def _leave_the_writer_lock() -> None:
    if _writer_queue.held is not None:
        fcntl.flock(_writer_queue.held, fcntl.LOCK_UN)
        _writer_queue.held = None


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_WRITING, None)
        if session.info.pop(_HOLDS_WRITER_LOCK, None):
            _leave_the_writer_lock()


def begin_writing() -> None:
    """Make the rest of this transaction a writer that waited for its turn.

    On SQLite, unless the transaction already holds the write lock (it wrote, or
    began with it), what was only read so far is settled and ``BEGIN IMMEDIATE``
    takes the lock: before the rows a decision rests on are read, so two requests
    deciding on the same rows run one after the other instead of failing; before a
    read is logged, so the log's write cannot meet a stale snapshot. PostgreSQL
    needs nothing here: lock the rows with ``FOR UPDATE``.
    """
    current = db.session()
    bind = current.get_bind()
    if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
        return
    current.flush()
    if current.info.get(_WROTE) or current.info.get(_WRITING):
        return
    if current.in_transaction():
        current.commit()
    held_before = _writer_queue.held
    current.connection(execution_options={_IMMEDIATE: True})
    current.info[_WRITING] = True
    if held_before is None and _writer_queue.held is not None:
        # Only the transaction that took the line's lock lets it go (not one
        # opened inside it on the same thread).
        current.info[_HOLDS_WRITER_LOCK] = True


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


def init_app(app: Flask) -> None:
    """On SQLite, start every writing request with the write lock (``BEGIN IMMEDIATE``)."""

    @app.before_request
    def _writers_queue() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if getattr(_handler(app), "_congdan_read_only", False):
            return
        begin_writing()
