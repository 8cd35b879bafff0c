"""The one-stop shop's commands: ``flask seed-dossiers`` (dossiers at a province's
scale, for the statistics' scale run), ``flask count-stats``, ``flask open311``."""

from __future__ import annotations

import time

import click

from app.unit_of_work import transaction


@click.command("seed-dossiers")
@click.option(
    "--count", default=1_000_000, show_default=True, help="How many dossiers."
)
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def seed_dossiers_command(count: int, seed: int) -> None:
    """Add synthetic dossiers with their histories, filed by existing citizens (load tests)."""
    from service_requests.synthetic import AlreadySeededError, seed_dossiers

    started = time.monotonic()
    try:
        with transaction():
            written = seed_dossiers(count, seed)
    except AlreadySeededError as error:
        # Run again, it changes nothing, like seed-demo.
        click.echo(f"{error}: nothing to do.")
        return
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Seeded {written} dossiers in {time.monotonic() - started:.0f} s (seed {seed})."
    )


@click.command("count-stats")
def count_stats_command() -> None:
    """Count the statistics of every published month not counted yet (run daily)."""
    from service_requests.stats_rollup import count_published

    started = time.monotonic()
    with transaction():
        counted = count_published()
    click.echo(f"Counted {counted} months in {time.monotonic() - started:.0f} s.")


@click.group("open311")
def open311_cli() -> None:
    """Applications that file requests over Open311, by their api_key."""


@open311_cli.command("issue-key")
@click.argument("name")
def issue_key_command(name: str) -> None:
    """Register application NAME and print its new api_key (shown only once)."""
    from service_requests.georeport import issue_key

    with transaction():
        key = issue_key(name)
    click.echo(key)


@open311_cli.command("revoke-key")
@click.argument("name")
def revoke_key_command(name: str) -> None:
    """Revoke every api_key of application NAME."""
    from service_requests.georeport import revoke_key

    with transaction():
        revoked = revoke_key(name)
    click.echo(f"Revoked {revoked} key(s) of {name}.")
