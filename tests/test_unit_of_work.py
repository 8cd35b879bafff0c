"""The unit of work: what a request commits, rolls back and keeps."""

from __future__ import annotations

import fcntl
import functools
import os
import threading
import time

import pytest
import sqlalchemy as sa

from app import audit, unit_of_work
from app.audit import AuditEvent
from app.extensions import db
from identity import services
from identity.models import Citizen
from identity.schemas import CitizenRegistrationSchema
from tests.demo_ids import AN
from tests.factories import VALID_CITIZEN
from tests.problems import assert_problem


@pytest.fixture
def as_an(citizen, auth_headers):
    return auth_headers(citizen(AN))


def registered() -> bool:
    found = db.session.scalar(
        sa.select(Citizen.id).where(Citizen.national_id == VALID_CITIZEN["national_id"])
    )
    return found is not None


def audited() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.outcome)
            .where(AuditEvent.action == "probe.unit_of_work")
            .order_by(AuditEvent.id)
        )
    )


def test_a_view_that_returns_commits_its_work_and_what_it_kept(probe, as_an):
    response = probe.post(
        "/_probe/unit-of-work/returns", json=VALID_CITIZEN, headers=as_an
    )

    assert response.status_code == 201
    assert registered()
    assert audited() == ["kept"]


def test_a_refusal_rolls_back_the_work_but_writes_what_was_kept(probe, as_an):
    response = probe.post(
        "/_probe/unit-of-work/refused", json=VALID_CITIZEN, headers=as_an
    )

    assert_problem(response, 409, "conflict")
    assert not registered()
    assert audited() == ["kept"]


def test_a_refusal_that_is_the_outcome_commits_the_work(probe, as_an):
    response = probe.post(
        "/_probe/unit-of-work/counted", json=VALID_CITIZEN, headers=as_an
    )

    assert_problem(response, 409, "conflict")
    assert registered()
    assert audited() == ["kept"]


def test_an_idempotency_key_replays_a_refusal_that_is_the_outcome(probe, as_an):
    headers = as_an | {"Idempotency-Key": "counted-once"}
    first = probe.post(
        "/_probe/unit-of-work/counted", json=VALID_CITIZEN, headers=headers
    )
    again = probe.post(
        "/_probe/unit-of-work/counted", json=VALID_CITIZEN, headers=headers
    )

    assert_problem(first, 409, "conflict")
    assert again.status_code == 409
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert audited() == ["kept"]


def test_work_after_the_commit_runs_once_the_request_is_committed(probe, as_an):
    response = probe.post(
        "/_probe/unit-of-work/after-commit", json=VALID_CITIZEN, headers=as_an
    )

    assert response.status_code == 201
    assert audited() == ["kept", "after-commit"]


def _register_then_fail() -> None:
    schema = CitizenRegistrationSchema()
    with unit_of_work.transaction():
        services.register_citizen(schema.dump(schema.load(VALID_CITIZEN)))
        unit_of_work.keep(functools.partial(audit.record, "probe.unit_of_work", "kept"))
        raise RuntimeError("the command failed")


def test_a_cli_transaction_rolls_back_on_error_and_writes_what_it_kept(app):
    with pytest.raises(RuntimeError, match="the command failed"):
        _register_then_fail()

    assert not registered()
    assert audited() == ["kept"]


@pytest.mark.real_sessions
def test_a_request_that_meets_a_dropped_connection_is_run_once_more(app):
    """No ping before each request: a connection the database dropped while it sat in
    the pool fails the request's first statement, and the request starts again."""
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        idle = list(db.engine.pool._pool.queue)  # type: ignore[attr-defined]
        assert idle, "the pool keeps the connection the session used"
        for record in idle:
            record.dbapi_connection.close()  # what a database restart does to them
    try:
        response = app.test_client().get("/api/v1/organisations")
    finally:
        with app.app_context():
            db.engine.dispose()

    assert response.status_code == 200
    assert "74012" in response.get_data(as_text=True)


def _queue_in_a_thread(database: str) -> tuple[bool, float]:
    """Queue for the writer lock from a thread of its own; release what it took."""
    outcome: list[tuple[bool, float]] = []

    def writer() -> None:
        started = time.monotonic()
        took = unit_of_work._queue_for_the_writer_lock(database)
        outcome.append((took, time.monotonic() - started))
        if took:
            unit_of_work._leave_the_writer_lock()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join(timeout=10)
    return outcome[0]


def test_a_sqlite_writer_waits_in_line_for_a_bounded_time(tmp_path, monkeypatch):
    """A writer that holds SQLite's line too long (an attacker's slow upload, once)
    delays the others by WRITER_WAIT_SECONDS at most; they never stall."""
    monkeypatch.setattr(unit_of_work, "WRITER_WAIT_SECONDS", 0.2)
    database = str(tmp_path / "congdan.db")
    holder = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        took, waited = _queue_in_a_thread(database)
        assert not took
        assert 0.2 <= waited < 2
        fcntl.flock(holder, fcntl.LOCK_UN)
        took, waited = _queue_in_a_thread(database)
        assert took
        assert waited < 0.2
    finally:
        os.close(holder)
