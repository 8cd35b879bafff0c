"""The kernel's scheduled jobs: housekeeping every hour, the audit chain every day."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, current_app

from app import audit, idempotency, outbox, single_use
from app.db import utcnow
from app.domains import housekeeping
from app.jobs import add_job

log = logging.getLogger(__name__)

#: Finished outbox messages are kept this long (what was sent, for the operators).
KEEP_FINISHED_MESSAGES = timedelta(days=30)


def purge_expired() -> list[str]:
    """Delete what has outlived its use; what was deleted, in words."""
    done = [
        f"{idempotency.purge_expired()} expired idempotency records",
        f"{single_use.purge()} expired replay marks",
        f"{outbox.purge(utcnow() - KEEP_FINISHED_MESSAGES)} finished background jobs",
    ]
    return done + [task() for task in housekeeping(current_app)]


class AuditChainBrokenError(RuntimeError):
    """The audit log's hash chain does not hold: a row was changed or removed."""


def verify_audit_chain() -> None:
    """Check the audit log's hash chain; raise (a failed job operators see) if broken."""
    broken = audit.first_broken_row()
    if broken is not None:
        log.error("the audit chain is broken", extra={"audit_event": str(broken)})
        raise AuditChainBrokenError(str(broken))


def _purge_job(_: dict[str, Any]) -> None:
    log.info("purged", extra={"purged": "; ".join(purge_expired())})


def _verify_job(_: dict[str, Any]) -> None:
    verify_audit_chain()


def register(app: Flask) -> None:
    """Schedule the kernel's jobs."""
    add_job(app, "kernel.purge_expired", _purge_job, every=timedelta(hours=1))
    # A broken chain is not retried into silence: one attempt, then a dead letter.
    add_job(
        app,
        "kernel.verify_audit_chain",
        _verify_job,
        every=timedelta(days=1),
        max_attempts=1,
        lease=timedelta(minutes=30),
    )
