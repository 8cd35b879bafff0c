"""Notifications: an inbox per citizen and per organisation, filled from the events
the domains announce (no domain calls it)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the inboxes into the application and listen to the domains' events."""
    from app.domains import add_texts
    from notifications import (
        cli,
        delivery,
        models,  # noqa: F401 - its table
        routes,
        subscribers,
        texts,
    )

    add_texts(texts.MESSAGES)
    add_texts(texts.PUSH_MESSAGES, texts.VALIDATION)
    subscribers.connect()
    delivery.register(app)
    app.cli.add_command(cli.notifications_cli)
    api.register_blueprint(routes.blp)
