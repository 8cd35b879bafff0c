"""``flask schools …``: the education department's register of schools and their keys."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app import audit
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import transaction
from identity.models import Organisation, OrganisationKind
from school_records import keys, register

schools_cli = AppGroup(
    "schools", help="The register of schools and their signing keys."
)


@schools_cli.command("set-levels")
@click.argument("code")
@click.argument("first_grade", type=click.IntRange(1, 12))
@click.argument("last_grade", type=click.IntRange(1, 12))
def set_levels_command(code: str, first_grade: int, last_grade: int) -> None:
    """Register the grades the school CODE teaches (THCS: 6 9; THPT: 10 12)."""
    school = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if school is None:
        raise click.ClickException(f"No organisation has the code {code}.")
    try:
        with transaction():
            register.set_levels(school.id, first_grade, last_grade)
            audit.record(
                "school.levels_set",
                "success",
                details={"school": str(school.id), "grades": [first_grade, last_grade]},
            )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{school.name} teaches grades {first_grade} to {last_grade}.")


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
    with transaction():
        fresh = [(school, keys.rotate(school.id)) for school in schools]
    for school, row in fresh:
        click.echo(f"{school.code} {school.name}: new active key {row.kid}")


def _instant(_ctx: click.Context, _param: click.Parameter, value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 instant, e.g. 2026-03-01T08:00:00+07:00."
        ) from None
    if instant.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. +07:00 or Z.")
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        raise click.BadParameter(f"{value!r} is out of range.") from None
    if instant > utcnow():
        raise click.BadParameter(f"{value} is in the future.")
    return instant


@schools_cli.command("withdraw-key")
@click.argument("kid")
@click.option(
    "--since",
    required=True,
    callback=_instant,
    help="The instant from which its signatures are refused (ISO 8601 with zone).",
)
def withdraw_key_command(kid: str, since: datetime) -> None:
    """Withdraw the compromised key KID (its thumbprint, or the DID URL a
    credential's header names, did:web:…#thumbprint): what it signed at or after
    --since fails verification (KEY_WITHDRAWN); what it signed before still verifies."""
    kid = kid.rpartition("#")[2]
    try:
        with transaction():
            in_force = keys.withdraw(kid, since)
    except LookupError:
        raise click.ClickException(f"No school key has the kid {kid}.") from None
    click.echo(
        f"{kid} withdrawn: its signatures from {in_force.isoformat()} on "
        "fail verification (KEY_WITHDRAWN)."
    )
