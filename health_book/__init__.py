"""Health book: clinic-written records (encounters, immunizations, medications,
observations…), consent-gated reads, the emergency summary and the FHIR R4 patient
summary."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the health book into the application."""
    from app.domains import add_demo_seeder, add_texts
    from health_book import (
        models,  # noqa: F401 - its tables
        routes,
        texts,
    )
    from health_book.cli import seed_bulk_command

    add_texts(texts.MESSAGES, texts.VALIDATION_MESSAGES)
    api.register_blueprint(routes.blp)
    app.cli.add_command(seed_bulk_command)
    add_demo_seeder(app, "health_book.demo:seed_health_book")
