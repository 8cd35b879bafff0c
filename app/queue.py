"""Where the outbox's messages are run: Dramatiq on Redis, or this very process.

``JOBS_BROKER_URL`` (default: ``REDIS_URL``) set to a ``redis://`` URL: the relay
hands each due message's id to a Dramatiq actor on that Redis (namespace
``JOBS_NAMESPACE``) and ``flask jobs worker`` runs them. Dramatiq acknowledges a
message only after its actor returns, and its Redis broker gives the messages of
a worker that stopped beating back to the queue; the outbox adds the rest: a
message the queue lost is relayed again after ``JOBS_REDELIVER_SECONDS``.

Unset (``make run`` on a fresh clone, the tests): the embedded queue runs each
message in this process right after the commit that relays it, and a ticker
thread per process does what the worker's would (retries, scheduled jobs).

Either way the worker's *tick* (every ``JOBS_TICK_SECONDS``) enqueues the
scheduled jobs once per period, relays what is due, and (with a broker) beats a
heartbeat into Redis that ``/readyz`` reads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from flask import Flask, current_app

from app import jobs, outbox
from app.db import utcnow
from app.unit_of_work import begin_writing, transaction

log = logging.getLogger(__name__)

_QUEUE = "congdan.queue"
#: The Dramatiq actor (and queue) every message goes through: it runs one outbox row.
ACTOR_NAME = "congdan_run_outbox_message"
#: How long a worker's heartbeat lasts in Redis without being renewed.
HEARTBEAT_SECONDS = 30
_RELAY_BATCH = 200


class Queue(Protocol):
    """What runs the outbox's messages."""

    embedded: bool

    def send(self, message_ids: list[uuid.UUID]) -> None:
        """Hand these messages over (the embedded queue runs them at once)."""

    def heartbeat(self) -> None:
        """Say that a worker is alive."""

    def worker_alive(self) -> bool | None:
        """Whether a worker beat recently (None: there is no separate worker)."""


class EmbeddedQueue:
    """No broker: a message is run in this process, after the relay's commit."""

    embedded = True

    def send(self, message_ids: list[uuid.UUID]) -> None:
        for message_id in message_ids:
            jobs.run(message_id)

    def heartbeat(self) -> None:
        """Nothing to tell: the process that serves is the one that runs jobs."""

    def worker_alive(self) -> bool | None:
        return None


class DramatiqQueue:
    """A Dramatiq actor on a Redis broker; ``flask jobs worker`` consumes it."""

    embedded = False

    def __init__(self, app: Flask, url: str, namespace: str) -> None:
        self.namespace = namespace
        self.redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=3
        )
        # Messages of a worker silent for 15 s go back to the queue; each broker
        # command has a 1 in 20 chance to look for them (Dramatiq's default, 1 in
        # 1000 after a minute, would leave a killed worker's work waiting long).
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]
            client=self.redis,
            namespace=namespace,
            heartbeat_timeout=15_000,
            maintenance_chance=50_000,
        )

        def run_outbox_message(message_id: str) -> None:
            with app.app_context():
                jobs.run(uuid.UUID(message_id))

        # Retries are the outbox's (the same whichever queue runs the job).
        self.actor = dramatiq.actor(
            actor_name=ACTOR_NAME,
            queue_name=namespace.replace(":", "-"),
            broker=self.broker,
            max_retries=0,
        )(run_outbox_message)

    def send(self, message_ids: list[uuid.UUID]) -> None:
        for message_id in message_ids:
            self.actor.send(str(message_id))

    def heartbeat(self) -> None:
        self.redis.set(
            f"{self.namespace}:worker-heartbeat", str(time.time()), ex=HEARTBEAT_SECONDS
        )

    def worker_alive(self) -> bool | None:
        return bool(self.redis.exists(f"{self.namespace}:worker-heartbeat"))

    def pending_in_broker(self) -> int:
        """How many messages wait in Redis (for metrics)."""
        return int(self.redis.llen(f"{self.namespace}:{self.actor.queue_name}"))


def init_app(app: Flask) -> None:
    """Choose the queue from the configuration."""
    url = app.config.get("JOBS_BROKER_URL") or ""
    queue: Queue
    if url:
        queue = DramatiqQueue(app, url, app.config["JOBS_NAMESPACE"])
    else:
        queue = EmbeddedQueue()
        if app.config["JOBS_TICK_SECONDS"] > 0:
            _start_ticker_per_process(app)
    app.extensions[_QUEUE] = queue


def queue_of(app: Flask) -> Queue:
    """The application's queue."""
    queue: Queue = app.extensions[_QUEUE]
    return queue


def relay(app: Flask, *, limit: int = _RELAY_BATCH) -> int:
    """Hand every due message to the queue; how many. Safe to run anywhere, at
    once: on PostgreSQL each relay locks and skips the others' rows, and a message
    handed over twice is run once."""
    queue = queue_of(app)
    stale = timedelta(seconds=app.config["JOBS_REDELIVER_SECONDS"])
    now = utcnow()
    with transaction():
        if not queue.embedded:
            begin_writing()  # the rows it marks are decided on here (SQLite)
        messages = outbox.due(now, stale_after=stale, limit=limit)
        ids = [message.id for message in messages]
        if not queue.embedded:
            outbox.mark_queued(messages, now)
            # Sent before the commit: if Redis refuses, the rows stay pending.
            queue.send(ids)
    if queue.embedded:
        queue.send(ids)
    return len(ids)


def tick(app: Flask, now: datetime | None = None) -> int:
    """One beat of the worker: heartbeat, enqueue scheduled jobs whose period has
    come (once per period, whoever ticks), relay what is due; how many relayed."""
    queue = queue_of(app)
    queue.heartbeat()
    moment = now or utcnow()
    with transaction():
        for job in jobs.registered(app).values():
            if job.every is None:
                continue
            start = _period_start(moment, job.every)
            outbox.add(job.name, {}, f"every:{job.name}:{start.isoformat()}", start)
    return relay(app)


def _period_start(moment: datetime, every: timedelta) -> datetime:
    seconds = every.total_seconds()
    epoch = moment.timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


# --- the embedded queue's ticker -------------------------------------------------

_ticker_pids: set[int] = set()
_ticker_lock = threading.Lock()


def _start_ticker_per_process(app: Flask) -> None:
    """Start a ticker thread in whichever process first serves a request (after
    gunicorn forks, so each worker process has its own)."""

    @app.before_request
    def _ensure_ticker() -> None:
        pid = os.getpid()
        if pid in _ticker_pids:
            return
        with _ticker_lock:
            if pid in _ticker_pids:
                return
            _ticker_pids.add(pid)
        app_object: Any = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(
            target=_tick_forever, args=(app_object,), name="congdan-jobs", daemon=True
        )
        thread.start()


def _tick_forever(app: Flask) -> None:
    interval = float(app.config["JOBS_TICK_SECONDS"])
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                tick(app)
        except Exception:
            log.exception("the jobs' tick failed")
