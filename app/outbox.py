"""The transactional outbox: background work is a row written with the change that
causes it.

A domain that wants something done later (a notification delivered, a tick of a
scheduled job) calls :func:`app.jobs.enqueue`, which adds an :class:`OutboxMessage`
to the request's transaction: committed together with the change, or not at all.
A relay then hands due messages to the queue (:mod:`app.queue`) and the queue's
worker runs them (:func:`app.jobs.run`). The row, not the queue, is the truth:
a message the queue lost (a Redis restart) is relayed again, a message delivered
twice is run once, because :func:`claim` lets one runner in at a time and never
runs a finished message again.

States: ``pending`` (due at ``not_before``) → ``queued`` (handed to the queue) →
``running`` (claimed until ``lease_until``) → ``done``; a failure puts it back to
``pending`` later, until it has failed ``max_attempts`` times and is ``dead`` (the
operators' dead letters).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, insert_for, utcnow
from app.extensions import db
from app.unit_of_work import begin_writing

PENDING, QUEUED, RUNNING, DONE, DEAD = "pending", "queued", "running", "done", "dead"
STATES = (PENDING, QUEUED, RUNNING, DONE, DEAD)


class OutboxMessage(Base):
    """One piece of background work, written in the transaction that caused it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_state_due", "state", "not_before"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    job: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: Whoever enqueues the same key again adds nothing: one message per event.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    relayed_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: The class of the last failure only: never a message that may hold data.
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    #: The W3C trace context of the request that caused it (app/tracing.py).
    traceparent: Mapped[str | None] = mapped_column(sa.String(100))


def add(
    job: str,
    payload: dict[str, Any],
    dedupe_key: str,
    not_before: datetime | None,
    traceparent: str | None = None,
) -> bool:
    """Write a message in the current transaction unless its key exists; True if
    written. One ``INSERT … ON CONFLICT DO NOTHING``, so two transactions adding
    the same key (two schedulers' ticks) cannot both win."""
    begin_writing()  # a job that read first (SQLite): in line for the lock now
    now = utcnow()
    insert = insert_for(db.engine.dialect.name)(OutboxMessage).values(
        id=uuid.uuid4(),
        job=job,
        payload=payload,
        dedupe_key=dedupe_key,
        state=PENDING,
        created_at=now,
        not_before=not_before or now,
        attempts=0,
        traceparent=traceparent,
    )
    written = db.session.execute(
        insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
            OutboxMessage.id
        )
    ).first()
    return written is not None


def due(now: datetime, *, stale_after: timedelta, limit: int) -> list[OutboxMessage]:
    """Messages to hand to the queue: pending ones whose time has come, and queued
    or running ones nobody finished in time (a lost message, a killed worker).

    On PostgreSQL the rows are locked and skipped by other relays meanwhile.
    """
    statement = (
        sa.select(OutboxMessage)
        .where(
            sa.or_(
                sa.and_(
                    OutboxMessage.state == PENDING, OutboxMessage.not_before <= now
                ),
                sa.and_(
                    OutboxMessage.state == QUEUED,
                    OutboxMessage.relayed_at <= now - stale_after,
                ),
                sa.and_(
                    OutboxMessage.state == RUNNING, OutboxMessage.lease_until <= now
                ),
            )
        )
        .order_by(OutboxMessage.not_before)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(db.session.scalars(statement))


def mark_queued(messages: list[OutboxMessage], now: datetime) -> None:
    """Note that ``messages`` were handed to the queue."""
    for message in messages:
        message.state = QUEUED
        message.relayed_at = now


def _locked(message_id: uuid.UUID) -> OutboxMessage | None:
    """The message as the database has it now, locked until the transaction ends
    (PostgreSQL; SQLite's writer lock serialises the rest)."""
    statement = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return db.session.scalar(statement)


def claim(
    message_id: uuid.UUID, now: datetime, lease_of: Callable[[str], timedelta]
) -> OutboxMessage | None:
    """Take ``message_id`` to run until ``now`` plus its job's lease; None if it is
    finished or another runner holds a live lease (a duplicate delivery)."""
    message = _locked(message_id)
    if message is None or message.state in (DONE, DEAD):
        return None
    if message.state == RUNNING and message.lease_until and message.lease_until > now:
        return None
    message.state = RUNNING
    message.attempts += 1
    message.lease_until = now + lease_of(message.job)
    return message


def held(message_id: uuid.UUID, attempt: int) -> OutboxMessage | None:
    """The message, locked, if the runner of ``attempt`` still holds it: running,
    and not claimed again since (a runner past its lease may have been replaced)."""
    message = _locked(message_id)
    if message is None or message.state != RUNNING or message.attempts != attempt:
        return None
    return message


def finish(message: OutboxMessage, now: datetime) -> None:
    """The work is done: never run it again."""
    message.state = DONE
    message.finished_at = now
    message.lease_until = None


def fail(
    message: OutboxMessage, error: str, *, retry_at: datetime | None, now: datetime
) -> None:
    """The work failed: try again at ``retry_at``, or give up (dead) if None."""
    message.last_error = error[:200]
    message.lease_until = None
    if retry_at is None:
        message.state = DEAD
        message.finished_at = now
    else:
        message.state = PENDING
        message.not_before = retry_at


def defer(message: OutboxMessage, until: datetime) -> None:
    """Put the work off until ``until`` without counting an attempt (quiet hours)."""
    message.state = PENDING
    message.not_before = until
    message.attempts -= 1
    message.lease_until = None


def revive(message: OutboxMessage) -> None:
    """Give a dead message a new round of attempts, now."""
    message.state = PENDING
    message.attempts = 0
    message.not_before = utcnow()
    message.finished_at = None


def depth(now: datetime) -> tuple[int, float]:
    """How many messages wait (pending and due, or queued), and the age in
    seconds of the oldest (0 when none): the queue's depth and age."""
    waiting = sa.or_(
        sa.and_(OutboxMessage.state == PENDING, OutboxMessage.not_before <= now),
        OutboxMessage.state == QUEUED,
    )
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.not_before)).where(waiting)
    ).one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return int(count), max(age, 0.0)


def count_dead() -> int:
    """How many messages failed every attempt."""
    return int(
        db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.state == DEAD))
        or 0
    )


def dead_letters(limit: int = 100) -> list[OutboxMessage]:
    """The messages that failed every attempt, newest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.state == DEAD)
            .order_by(OutboxMessage.finished_at.desc())
            .limit(limit)
        )
    )


def purge(before: datetime) -> int:
    """Delete the finished messages (done or dead) of before ``before``."""
    deleted = db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.state.in_((DONE, DEAD)), OutboxMessage.finished_at < before
        )
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
