"""Command-line tasks: ``flask seed-demo`` and housekeeping."""

from __future__ import annotations

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

    app.cli.add_command(vneid_cli)
    app.cli.add_command(consent_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_expired_command)
