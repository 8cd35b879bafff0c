"""The example domain's route, command and demo seeder."""

from __future__ import annotations

from typing import Any

import click
from flask.views import MethodView

from app.blueprint import Blueprint
from app.errors import Problem

blp = Blueprint("example", __name__, url_prefix="/api/v1/example")
SEEDED: list[int] = []


class CounterClosed(Problem):
    code, slug = 409, "example-closed"


@blp.route("/counter")
class Counter(MethodView):
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """Say whether the counter is open."""
        raise CounterClosed()


@click.command("example-hello")
def hello_command() -> None:
    """Greet."""
    click.echo("xin chào")


def seed_demo(citizens: dict[str, Any]) -> None:
    """Note how many demo citizens the register seeded before this domain."""
    SEEDED.append(len(citizens))
