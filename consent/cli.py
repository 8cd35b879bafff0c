"""``flask consent …``: housekeeping of consent."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from consent import artefacts

consent_cli = AppGroup("consent", help="Consent housekeeping.")


@consent_cli.command("expire")
def expire_command() -> None:
    """Mark overdue requests and artefacts expired and notify both sides."""
    expired_requests, expired_artefacts = artefacts.expire_overdue()
    db.session.commit()
    click.echo(f"Expired {expired_requests} requests and {expired_artefacts} consents.")
