"""The kernel's commands: ``flask seed-demo``, ``flask purge-expired``, ``flask audit``."""

from __future__ import annotations

import logging
import signal
import threading
import uuid

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import audit, outbox, queue, scheduled
from app.extensions import db
from app.unit_of_work import transaction

log = logging.getLogger(__name__)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo accounts and data of DESIGN.md (safe to run again)."""
    from app.demo import seed_demo_data

    with transaction():
        citizens = seed_demo_data()
    click.echo(f"Demo data ready: {len(citizens)} citizens. Password: congdan-demo")


@click.command("purge-expired")
def purge_expired_command() -> None:
    """Delete what has outlived its use: idempotency records older than 24 hours,
    replay marks of proofs and assertions that would be refused anyway, finished
    background jobs older than 30 days, and each domain's own (unattached
    uploads…). The worker also runs it every hour."""
    with transaction():
        done = scheduled.purge_expired()
    click.echo("Deleted " + ", ".join(done) + ".")


audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the hash chain: print OK, or the first row that was tampered with."""
    broken = audit.first_broken_row()
    if broken is None:
        click.echo("OK")
        return
    click.echo(f"BROKEN at audit event {broken}")
    raise SystemExit(1)


jobs_cli = AppGroup("jobs", help="Background jobs: the worker and the dead letters.")


@jobs_cli.command("worker")
@click.option("--threads", default=4, show_default=True, help="Jobs run at once.")
@click.option(
    "--metrics-port",
    default=0,
    show_default=True,
    help="Serve this worker's Prometheus metrics (deliveries by channel and "
    "outcome…) on 127.0.0.1:PORT; 0: not at all.",
)
def jobs_worker_command(threads: int, metrics_port: int) -> None:
    """Run the jobs of the Redis queue (JOBS_BROKER_URL) and the schedule, until
    SIGTERM or SIGINT; start as many as you need, on any host."""
    import dramatiq
    from prometheus_client import start_http_server

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job_queue = queue.queue_of(app)
    if not isinstance(job_queue, queue.DramatiqQueue):
        raise click.UsageError(
            "No broker: set JOBS_BROKER_URL (or REDIS_URL) to a redis:// URL. "
            "Without one, jobs run in the serving process."
        )
    if metrics_port:
        # Its own port, on loopback only: the worker serves no one else.
        start_http_server(metrics_port, addr="127.0.0.1")
    worker = dramatiq.Worker(job_queue.broker, worker_threads=threads)
    worker.start()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    log.info(
        "worker running",
        extra={"threads": threads, "queue": job_queue.actor.queue_name},
    )
    interval = float(app.config["JOBS_TICK_SECONDS"]) or 5.0
    while not stop.is_set():
        try:
            queue.tick(app)
        except Exception:
            log.exception("the worker's tick failed")
        stop.wait(interval)
    worker.stop(timeout=30_000)
    log.info("worker stopped")


@jobs_cli.command("relay")
def jobs_relay_command() -> None:
    """Enqueue the scheduled jobs that are due and hand every due message over once."""
    count = queue.tick(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"Relayed {count} messages.")


@jobs_cli.command("failed")
@click.option("--limit", default=50, show_default=True)
def jobs_failed_command(limit: int) -> None:
    """List the dead letters: jobs that failed every attempt, newest first."""
    dead = outbox.dead_letters(limit)
    for message in dead:
        click.echo(
            f"{message.id}  {message.job}  attempts={message.attempts}  "
            f"error={message.last_error}  at={message.finished_at:%Y-%m-%d %H:%M:%S}"
        )
    click.echo(f"{len(dead)} failed jobs.")


@jobs_cli.command("retry")
@click.argument("message_id", type=click.UUID)
def jobs_retry_command(message_id: uuid.UUID) -> None:
    """Give a dead letter another round of attempts."""
    with transaction():
        message = db.session.get(outbox.OutboxMessage, message_id)
        if message is None or message.state != outbox.DEAD:
            raise click.ClickException(f"{message_id} is not a failed job")
        outbox.revive(message)
    click.echo(f"{message_id} will be tried again.")


def register_commands(app: Flask) -> None:
    """Attach the kernel's commands to ``flask`` (each domain adds its own)."""
    app.cli.add_command(audit_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_expired_command)
