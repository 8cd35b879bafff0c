"""The audit log is append-only and hash-chained: tampering is refused or found."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app import audit
from app.audit import AuditEvent
from app.extensions import db


@pytest.fixture
def chain(app):
    """Three events on top of whatever the demo wrote."""
    rows = [
        audit.record(f"test.event.{n}", "success", details={"n": n}) for n in range(3)
    ]
    db.session.commit()
    return rows


def verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output.strip()


def lift_triggers() -> None:
    """Remove the append-only triggers inside this test's transaction only."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


def test_intact_chain_verifies(app, chain):
    assert chain[1].prev_hash == chain[0].hash
    assert verify(app) == (0, "OK")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET outcome = 'failure'", "DELETE FROM audit_events"],
)
def test_the_database_refuses_updates_and_deletes(chain, statement):
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement))


def test_an_edited_row_is_found(app, chain):
    lift_triggers()
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.id == chain[1].id)
        .values(outcome="failure")
    )
    assert verify(app) == (1, f"BROKEN at audit event {chain[1].id}")


def test_a_deleted_row_is_found(app, chain):
    lift_triggers()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == chain[1].id))
    assert verify(app) == (1, f"BROKEN at audit event {chain[2].id}")


def test_reordered_rows_are_found(app, chain):
    lift_triggers()
    first, second = chain[0], chain[1]
    swap = {
        "action": second.action,
        "details": second.details,
        "prev_hash": second.prev_hash,
        "hash": second.hash,
    }
    back = {
        "action": first.action,
        "details": first.details,
        "prev_hash": first.prev_hash,
        "hash": first.hash,
    }
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == first.id).values(**swap)
    )
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == second.id).values(**back)
    )
    assert verify(app) == (1, f"BROKEN at audit event {first.id}")
