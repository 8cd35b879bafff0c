"""Background jobs: what a domain registers, enqueues, and how one is run.

A job is a function of a JSON payload, registered by name with :func:`add_job`
in a domain's ``init_app``. :func:`enqueue` writes it to the transactional outbox
(:mod:`app.outbox`) in the caller's transaction; once that commits, the relay
hands it to the queue (:mod:`app.queue`: Dramatiq on Redis when ``JOBS_BROKER_URL``
names one, else in this process right after the commit). :func:`run` is what the
queue's worker calls: it claims the message, runs the job in a transaction of its
own that also marks the message done, and on failure schedules the next attempt
with exponential backoff — the same retries whichever queue runs it.

A job must be idempotent for its own side effects outside the database (a
delivery's provider call): the message is run at least once, and again if its
runner died before the commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g

from app import outbox, tracing
from app.db import utcnow
from app.unit_of_work import after_commit, begin_writing, transaction

log = logging.getLogger(__name__)

#: A job's function: it gets the payload it was enqueued with.
JobFunction = Callable[[dict[str, Any]], None]

_JOBS = "congdan.jobs"
#: The longest wait a provider's Retry-After may impose (a day).
MAX_RETRY_AFTER = 86_400.0


@dataclass(frozen=True)
class Job:
    """A registered kind of background work."""

    name: str
    function: JobFunction
    #: Runs before the message is dead (the operators' dead letters).
    max_attempts: int = 8
    #: How long a runner may hold it; a runner that died is replaced after this.
    lease: timedelta = timedelta(minutes=2)
    #: For scheduled jobs: how often the worker's scheduler enqueues one.
    every: timedelta | None = None
    #: Failures that no retry would mend: the message is dead at once.
    give_up_on: tuple[type[Exception], ...] = ()


class LeaseLostError(RuntimeError):
    """The runner outlived its lease and another took the message over."""


class Defer(Exception):  # noqa: N818 - an instruction, not an error
    """Raised by a job to run again at ``until`` without counting an attempt."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def add_job(
    app: Flask,
    name: str,
    function: JobFunction,
    *,
    max_attempts: int = 8,
    lease: timedelta = timedelta(minutes=2),
    every: timedelta | None = None,
    give_up_on: tuple[type[Exception], ...] = (),
) -> None:
    """Register ``function`` as the job ``name`` (``every``: run it on a schedule;
    ``give_up_on``: failures that make it a dead letter at once)."""
    registry: dict[str, Job] = app.extensions.setdefault(_JOBS, {})
    registry[name] = Job(name, function, max_attempts, lease, every, give_up_on)


def registered(app: Flask) -> dict[str, Job]:
    """Every job of the application, by name."""
    return dict(app.extensions.get(_JOBS, {}))


def enqueue(
    name: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    not_before: datetime | None = None,
) -> bool:
    """Have job ``name`` run with ``payload`` once the current transaction commits.

    ``dedupe_key`` names the event: enqueuing the same key again adds nothing, so
    a retried request cannot cause the work twice. False when it was already there.
    """
    if name not in registered(current_app):
        raise KeyError(f"no job named {name!r}")
    written = outbox.add(
        name, payload, dedupe_key, not_before, tracing.current_traceparent()
    )
    if written:
        _relay_after_commit()
    return written


def _relay_after_commit() -> None:
    if g.get("congdan_relay_planned"):
        return
    g.congdan_relay_planned = True

    def relay() -> None:
        g.pop("congdan_relay_planned", None)
        from app import queue  # the queue runs jobs: it imports this module

        queue.relay(current_app)

    after_commit(relay)


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: 10 s, 20 s, 40 s … up to an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def run(message_id: uuid.UUID) -> str:
    """Run one outbox message, if no one has or is; what happened, in a word:
    ``done``, ``retry``, ``dead``, ``deferred``, ``skipped`` (finished already or
    held by a live runner: a duplicate delivery of the queue) or ``lost`` (this
    run outlived its lease and another runner took over: its work is undone)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = registered(app)
    with transaction():
        begin_writing()
        message = outbox.claim(message_id, utcnow(), lambda name: _lease(jobs, name))
        if message is None:
            return "skipped"
        name, payload, attempts = message.job, dict(message.payload), message.attempts
        traceparent = message.traceparent
    job = jobs.get(name)
    try:
        with tracing.job_span(name, traceparent), transaction():
            if job is None:
                raise LookupError(f"no job named {name!r}")
            job.function(payload)
            # A job may have waited on a provider: on SQLite what it read is
            # settled now and the write lock taken, so marking it done never meets
            # a snapshot another writer has moved on from.
            begin_writing()
            held = outbox.held(message_id, attempts)
            if held is None:  # our lease ran out and another runner took over
                raise LeaseLostError(name)
            outbox.finish(held, utcnow())
        log.info("job done", extra={"job": name, "attempt": attempts})
        return "done"
    except LeaseLostError:
        # Rolled back: what this runner did is undone, the other runner's stands.
        log.warning("job lease lost", extra={"job": name, "attempt": attempts})
        return "lost"
    except Defer as deferral:
        with transaction():
            begin_writing()
            held = outbox.held(message_id, attempts)
            if held is not None:
                outbox.defer(held, deferral.until)
        return "deferred"
    except Exception as error:
        hopeless = job is None or isinstance(error, job.give_up_on)
        most = 1 if hopeless or job is None else job.max_attempts
        # A provider's Retry-After, when it said one, is the least wait (a day at most).
        asked = min(float(getattr(error, "retry_after", 0) or 0), MAX_RETRY_AFTER)
        wait = max(backoff(attempts), timedelta(seconds=asked))
        retry_at = utcnow() + wait if attempts < most else None
        with transaction():
            begin_writing()
            held = outbox.held(message_id, attempts)
            if held is not None:  # else another runner owns it now: leave it be
                outbox.fail(held, type(error).__name__, retry_at=retry_at, now=utcnow())
        outcome = "retry" if retry_at else "dead"
        log.warning(
            "job failed",
            extra={"job": name, "attempt": attempts, "error": type(error).__name__},
        )
        return outcome


def _lease(jobs: dict[str, Job], name: str) -> timedelta:
    configured = int(current_app.config.get("JOBS_LEASE_SECONDS") or 0)
    if configured:
        return timedelta(seconds=configured)
    job = jobs.get(name)
    return job.lease if job else timedelta(minutes=2)
