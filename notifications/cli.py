"""``flask notifications``: what operators need to see of the deliveries."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import outbox
from notifications.delivery import SEND

notifications_cli = AppGroup("notifications", help="Pushes and texts to citizens.")


@notifications_cli.command("failed")
@click.option("--limit", default=50, show_default=True)
def failed_command(limit: int) -> None:
    """List the deliveries that failed every attempt (dead letters), newest first:
    channel, kind and error only, never an address or a name. ``flask jobs retry
    ID`` tries one again."""
    dead = [m for m in outbox.dead_letters(limit * 4) if m.job == SEND][:limit]
    for message in dead:
        click.echo(
            f"{message.id}  {message.payload.get('channel')}  "
            f"{message.payload.get('kind')}  attempts={message.attempts}  "
            f"error={message.last_error}  at={message.finished_at:%Y-%m-%d %H:%M:%S}"
        )
    click.echo(f"{len(dead)} failed deliveries.")
