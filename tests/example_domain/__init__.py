"""A tiny domain that plugs in the way every domain does (tests/test_architecture.py).

It brings a route, a message in both languages, a CLI command, a deployment loader
and a demo seeder — through its ``init_app`` alone, with no edit to the kernel.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the example into the application."""
    from app.deployment import add_loader
    from app.domains import add_demo_seeder, add_texts
    from tests.example_domain import routes

    add_texts({"example-closed.title": ("Quầy đã đóng", "The counter is closed")})
    api.register_blueprint(routes.blp)
    app.cli.add_command(routes.hello_command)
    add_loader(app, lambda directory: "0 examples")
    add_demo_seeder(app, "tests.example_domain.routes:seed_demo")
