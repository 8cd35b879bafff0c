"""Command-line tasks: ``flask seed-demo`` and housekeeping."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app import audit, idempotency
from app.extensions import db


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo accounts and data of DESIGN.md (safe to run again)."""
    from app.demo import seed_demo_data

    citizens = seed_demo_data()
    db.session.commit()
    click.echo(f"Demo data ready: {len(citizens)} citizens. Password: congdan-demo")


@click.command("seed-bulk")
@click.option(
    "--citizens", default=100_000, show_default=True, help="How many citizens."
)
@click.option(
    "--records-per-citizen",
    default=10,
    show_default=True,
    help="Health records per citizen, on average.",
)
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def seed_bulk_command(citizens: int, records_per_citizen: int, seed: int) -> None:
    """Add a synthetic, province-scale population with health records (for load tests)."""
    from app.synthetic import seed_bulk

    started = time.monotonic()
    try:
        counts = seed_bulk(citizens, records_per_citizen, seed)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{number} {name}" for name, number in counts.items())
    click.echo(f"Seeded {summary} in {elapsed:.0f} s (seed {seed}).")


@click.command("purge-expired")
def purge_expired_command() -> None:
    """Delete idempotency records and unattached uploads older than 24 hours."""
    from service_requests.uploads import purge_unattached

    deleted = idempotency.purge_expired()
    uploads = purge_unattached()
    db.session.commit()
    click.echo(
        f"Deleted {deleted} expired idempotency records and {uploads} unattached uploads."
    )


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


def register_commands(app: Flask) -> None:
    """Attach the commands to ``flask``."""
    from consent.cli import consent_cli
    from identity.vneid.cli import vneid_cli
    from school_records.cli import schools_cli

    app.cli.add_command(vneid_cli)
    app.cli.add_command(schools_cli)
    app.cli.add_command(consent_cli)
    app.cli.add_command(schools_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bulk_command)
    app.cli.add_command(purge_expired_command)
