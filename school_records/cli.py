"""``flask schools …``: the schools' signing keys."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.extensions import db
from identity.models import Organisation, OrganisationKind
from school_records import keys

schools_cli = AppGroup("schools", help="Schools' transcript signing keys.")


@schools_cli.command("rotate-keys")
@click.option("--school", "code", help="Only this school (its official code).")
def rotate_keys_command(code: str | None) -> None:
    """Give schools new signing keys; retired keys stay published to verify what
    they signed before, and sign nothing after."""
    query = sa.select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)
    if code is None:
        query = query.where(Organisation.deregistered_at.is_(None))
    else:
        query = query.where(Organisation.code == code)
    schools = list(db.session.scalars(query.order_by(Organisation.code)))
    if code is not None and not schools:
        raise click.ClickException(f"No school has the code {code}.")
    fresh = [(school, keys.rotate(school.id)) for school in schools]
    db.session.commit()
    for school, row in fresh:
        click.echo(f"{school.code} {school.name}: new active key {row.kid}")
