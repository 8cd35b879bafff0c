"""``flask seed-bulk``: a province-scale synthetic population, for load tests."""

from __future__ import annotations

import time

import click

from app.unit_of_work import transaction


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
    from health_book.synthetic import seed_bulk

    started = time.monotonic()
    try:
        with transaction():
            counts = seed_bulk(citizens, records_per_citizen, seed)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{number} {name}" for name, number in counts.items())
    click.echo(f"Seeded {summary} in {elapsed:.0f} s (seed {seed}).")
