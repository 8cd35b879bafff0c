"""The kernel's commands: ``flask seed-demo``, ``flask purge-expired``, ``flask audit``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import audit, idempotency, single_use
from app.domains import housekeeping
from app.unit_of_work import transaction


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
    replay marks of proofs and assertions that would be refused anyway, and each
    domain's own (unattached uploads…)."""
    with transaction():
        done = [
            f"{idempotency.purge_expired()} expired idempotency records",
            f"{single_use.purge()} expired replay marks",
        ]
        done += [task() for task in housekeeping(current_app)]
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


def register_commands(app: Flask) -> None:
    """Attach the kernel's commands to ``flask`` (each domain adds its own)."""
    app.cli.add_command(audit_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_expired_command)
