"""``flask consent …``: housekeeping of consent."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.unit_of_work import transaction
from consent import artefacts

consent_cli = AppGroup("consent", help="Consent housekeeping.")


@consent_cli.command("expire")
def expire_command() -> None:
    """Mark overdue requests and artefacts expired and notify both sides."""
    with transaction():
        expired_requests, expired_artefacts = artefacts.expire_overdue()
    click.echo(f"Expired {expired_requests} requests and {expired_artefacts} consents.")
