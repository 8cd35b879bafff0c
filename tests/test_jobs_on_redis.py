"""The outbox's jobs through Dramatiq on the machine's Redis (a namespace of their own).

These tests commit for real (``real_sessions``) because Dramatiq's worker threads
run the jobs on connections of their own; each cleans up its outbox rows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import dramatiq
import pytest
import sqlalchemy as sa
from flask import Flask

from app import jobs, outbox, queue
from app.extensions import db
from app.unit_of_work import transaction
from tests.conftest import REDIS_TEST_URL

pytestmark = pytest.mark.real_sessions


@pytest.fixture
def on_redis(app: Flask, redis_prefix: str) -> Iterator[queue.DramatiqQueue]:
    """The application's queue, for this test, a Dramatiq queue on Redis."""
    embedded = app.extensions["congdan.queue"]
    redis_queue = queue.DramatiqQueue(app, REDIS_TEST_URL, redis_prefix.rstrip(":"))
    app.extensions["congdan.queue"] = redis_queue
    yield redis_queue
    app.extensions["congdan.queue"] = embedded
    redis_queue.redis.close()


@pytest.fixture
def payloads(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """Job ``test.redis`` records what it ran; its outbox rows go afterwards."""
    seen: list[dict[str, Any]] = []
    jobs.add_job(app, "test.redis", seen.append)
    yield seen
    app.extensions["congdan.jobs"].pop("test.redis")
    with app.app_context(), transaction():
        db.session.execute(
            sa.delete(outbox.OutboxMessage).where(
                outbox.OutboxMessage.job.in_(("test.redis",))
                | outbox.OutboxMessage.dedupe_key.like("every:%")
            )
        )


def enqueue(app: Flask, key: str, **payload: Any) -> uuid.UUID:
    with app.test_request_context(), transaction():
        jobs.enqueue("test.redis", payload, dedupe_key=key)
    return state_of(app, key)[0]


def state_of(app: Flask, key: str) -> tuple[uuid.UUID, str]:
    with app.app_context():
        row = db.session.execute(
            sa.select(outbox.OutboxMessage.id, outbox.OutboxMessage.state).where(
                outbox.OutboxMessage.dedupe_key == key
            )
        ).one()
        db.session.remove()
    return row.id, row.state


def eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("did not happen in time")


@pytest.fixture
def worker(on_redis: queue.DramatiqQueue) -> Iterator[Callable[[], dramatiq.Worker]]:
    started: list[dramatiq.Worker] = []

    def start() -> dramatiq.Worker:
        running = dramatiq.Worker(on_redis.broker, worker_threads=1, worker_timeout=100)
        running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop(timeout=10_000)


def test_a_committed_job_waits_in_redis_until_a_worker_runs_it_once(
    app: Flask,
    on_redis: queue.DramatiqQueue,
    payloads: list[dict[str, Any]],
    worker: Callable[[], dramatiq.Worker],
) -> None:
    key = f"redis-{uuid.uuid4()}"
    enqueue(app, key, n=1)

    assert state_of(app, key)[1] == outbox.QUEUED
    assert on_redis.pending_in_broker() == 1
    assert payloads == []

    worker()
    eventually(lambda: state_of(app, key)[1] == outbox.DONE)
    assert payloads == [{"n": 1}]


def test_a_message_redis_lost_is_relayed_again_and_run_once(
    app: Flask,
    on_redis: queue.DramatiqQueue,
    payloads: list[dict[str, Any]],
    worker: Callable[[], dramatiq.Worker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = f"redis-lost-{uuid.uuid4()}"
    enqueue(app, key)
    # Redis restarted without its data: the queued message is gone.
    on_redis.redis.delete(f"{on_redis.namespace}:{on_redis.actor.queue_name}")
    assert on_redis.pending_in_broker() == 0

    monkeypatch.setitem(app.config, "JOBS_REDELIVER_SECONDS", 0)
    with app.app_context():
        queue.tick(app)
    worker()
    eventually(lambda: state_of(app, key)[1] == outbox.DONE)
    # Relayed twice (the tick after it was done finds nothing): run once.
    with app.app_context():
        queue.tick(app)
    time.sleep(0.3)
    assert payloads == [{}]


def test_when_redis_is_down_the_change_commits_and_the_job_waits_for_it(
    app: Flask,
    on_redis: queue.DramatiqQueue,
    payloads: list[dict[str, Any]],
    worker: Callable[[], dramatiq.Worker],
    redis_prefix: str,
) -> None:
    down = queue.DramatiqQueue(app, "redis://127.0.0.1:1/0", redis_prefix.rstrip(":"))
    app.extensions["congdan.queue"] = down
    key = f"redis-down-{uuid.uuid4()}"
    enqueue(app, key)  # the commit succeeds; the relay after it fails
    assert state_of(app, key)[1] == outbox.PENDING

    app.extensions["congdan.queue"] = on_redis  # Redis is back
    with app.app_context():
        queue.tick(app)
    worker()
    eventually(lambda: state_of(app, key)[1] == outbox.DONE)
    assert payloads == [{}]


def test_the_worker_tick_beats_a_heartbeat_that_expires(
    app: Flask, on_redis: queue.DramatiqQueue, payloads: list[dict[str, Any]]
) -> None:
    assert on_redis.worker_alive() is False
    with app.app_context():
        queue.tick(app)
    assert on_redis.worker_alive() is True
    ttl = on_redis.redis.ttl(f"{on_redis.namespace}:worker-heartbeat")
    assert 0 < ttl <= queue.HEARTBEAT_SECONDS
