"""Background jobs through the transactional outbox, run in-process (no broker).

The same runner serves the Redis queue (tests/test_jobs_on_redis.py): what is
proved here about claiming, retrying and dead letters holds for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import jobs, outbox, queue
from app.extensions import db
from app.unit_of_work import transaction
from tests.conftest import Clock


class Recorder:
    """A job that remembers its payloads, and can be told to fail."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.failures_left = 0
        self.defer_until: datetime | None = None

    def __call__(self, payload: dict[str, Any]) -> None:
        if self.defer_until is not None:
            until, self.defer_until = self.defer_until, None
            raise jobs.Defer(until)
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the provider did not answer")
        self.payloads.append(payload)


@pytest.fixture
def recorder(app: Flask) -> Iterator[Recorder]:
    """A job named ``test.record`` (at most 3 attempts) for the length of a test."""
    job = Recorder()
    jobs.add_job(app, "test.record", job, max_attempts=3)
    yield job
    app.extensions["congdan.jobs"].pop("test.record")


def enqueue(app: Flask, key: str, **payload: Any) -> None:
    with app.test_request_context(), transaction():
        jobs.enqueue("test.record", payload, dedupe_key=key)


def message(key: str) -> outbox.OutboxMessage:
    found = db.session.scalar(
        sa.select(outbox.OutboxMessage)
        .where(outbox.OutboxMessage.dedupe_key == key)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


def test_a_job_runs_once_after_the_commit_that_enqueued_it(
    app: Flask, recorder: Recorder
) -> None:
    enqueue(app, "event-1", citizen="x")

    assert recorder.payloads == [{"citizen": "x"}]
    assert message("event-1").state == outbox.DONE


def test_a_rolled_back_change_enqueues_nothing(app: Flask, recorder: Recorder) -> None:
    def failing_change() -> None:
        with app.test_request_context(), transaction():
            jobs.enqueue("test.record", {}, dedupe_key="event-rolled-back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()

    assert recorder.payloads == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                outbox.OutboxMessage.dedupe_key == "event-rolled-back"
            )
        )
        == 0
    )


def test_the_same_event_enqueued_twice_runs_once(
    app: Flask, recorder: Recorder
) -> None:
    enqueue(app, "event-twice", n=1)
    enqueue(app, "event-twice", n=2)

    assert recorder.payloads == [{"n": 1}]


def test_an_unknown_job_is_refused_when_enqueued(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(KeyError):
        jobs.enqueue("test.nobody", {}, dedupe_key="event-nobody")


def test_a_duplicate_delivery_of_a_finished_message_is_skipped(
    app: Flask, recorder: Recorder
) -> None:
    enqueue(app, "event-dup")
    with app.app_context():
        assert jobs.run(message("event-dup").id) == "skipped"
    assert len(recorder.payloads) == 1


def test_a_message_held_by_a_live_runner_is_not_run_again(
    app: Flask, recorder: Recorder, clock: Clock
) -> None:
    recorder.failures_left = 3
    enqueue(app, "event-held")  # fails once: pending again in 10 s
    held = message("event-held")
    held.state, held.lease_until = (
        outbox.RUNNING,
        datetime.now(UTC) + timedelta(minutes=1),
    )
    db.session.commit()

    with app.app_context():
        assert jobs.run(held.id) == "skipped"


def test_a_failing_job_backs_off_then_dies_and_operators_can_list_and_revive_it(
    app: Flask, recorder: Recorder, clock: Clock
) -> None:
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    recorder.failures_left = 3
    clock.at(start)
    enqueue(app, "event-failing")
    first = message("event-failing")
    assert (first.state, first.attempts, first.last_error) == (
        outbox.PENDING,
        1,
        "ConnectionError",
    )
    assert first.not_before - start == pytest.approx(
        timedelta(seconds=10), abs=timedelta(seconds=1)
    )

    # Not due yet: a tick relays nothing.
    clock.at(start + timedelta(seconds=5))
    with app.app_context():
        queue.tick(app)
    assert message("event-failing").attempts == 1

    clock.at(start + timedelta(seconds=11))
    with app.app_context():
        queue.tick(app)
    second = message("event-failing")
    assert (second.attempts, second.state) == (2, outbox.PENDING)
    assert second.not_before - (start + timedelta(seconds=11)) == pytest.approx(
        timedelta(seconds=20), abs=timedelta(seconds=1)
    )

    clock.at(start + timedelta(seconds=40))
    with app.app_context():
        queue.tick(app)
    dead = message("event-failing")
    assert (dead.attempts, dead.state) == (3, outbox.DEAD)
    assert recorder.payloads == []

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "failed"])
    assert f"{dead.id}  test.record  attempts=3  error=ConnectionError" in listed.output

    clock.at(start + timedelta(minutes=5))
    revived = runner.invoke(args=["jobs", "retry", str(dead.id)])
    assert revived.exit_code == 0, revived.output
    with app.app_context():
        queue.tick(app)
    assert recorder.payloads == [{}]
    assert message("event-failing").state == outbox.DONE


def test_retry_refuses_what_is_not_a_dead_letter(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "retry", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "is not a failed job" in result.output


def test_a_deferred_job_waits_without_spending_an_attempt(
    app: Flask, recorder: Recorder, clock: Clock
) -> None:
    start = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    clock.at(start)
    recorder.defer_until = start + timedelta(hours=8)
    enqueue(app, "event-quiet")
    waiting = message("event-quiet")
    assert (waiting.state, waiting.attempts) == (outbox.PENDING, 0)
    assert waiting.not_before == start + timedelta(hours=8)

    clock.at(start + timedelta(hours=8, seconds=1))
    with app.app_context():
        queue.tick(app)
    assert recorder.payloads == [{}]


def test_a_runner_that_died_mid_way_is_replaced_after_its_lease(
    app: Flask, recorder: Recorder, clock: Clock
) -> None:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    clock.at(start)
    recorder.failures_left = 1
    enqueue(app, "event-died")
    died = message("event-died")
    # As a runner that claimed it and was killed leaves it: running, lease live.
    died.state, died.lease_until = outbox.RUNNING, start + timedelta(minutes=2)
    db.session.commit()

    clock.at(start + timedelta(minutes=1))
    with app.app_context():
        queue.tick(app)
    assert message("event-died").state == outbox.RUNNING
    assert recorder.payloads == []

    clock.at(start + timedelta(minutes=2, seconds=1))
    with app.app_context():
        queue.tick(app)
    assert recorder.payloads == [{}]
    assert message("event-died").state == outbox.DONE


def test_a_scheduled_job_is_enqueued_once_per_period_however_often_ticked(
    app: Flask, clock: Clock
) -> None:
    runs: list[dict[str, Any]] = []
    jobs.add_job(app, "test.hourly", runs.append, every=timedelta(hours=1))
    try:
        for minute in (0, 10, 59):
            clock.at(datetime(2026, 12, 7, 10, minute, tzinfo=UTC))
            with app.app_context():
                queue.tick(app)
        assert len(runs) == 1
        clock.at(datetime(2026, 12, 7, 11, 0, 1, tzinfo=UTC))
        with app.app_context():
            queue.tick(app)
        assert len(runs) == 2
    finally:
        app.extensions["congdan.jobs"].pop("test.hourly")


def test_the_schedule_keeps_housekeeping_the_audit_chain_expiry_and_statistics(
    app: Flask,
) -> None:
    scheduled = {
        name: job.every for name, job in jobs.registered(app).items() if job.every
    }
    assert scheduled["kernel.purge_expired"] == timedelta(hours=1)
    assert scheduled["kernel.verify_audit_chain"] == timedelta(days=1)
    assert scheduled["consent.expire_overdue"] == timedelta(hours=1)
    assert scheduled["service_requests.count_stats"] == timedelta(days=1)


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert jobs.backoff(30) == timedelta(hours=1)
