"""School records (học bạ số): the school register, transcripts graded by the
Circular 22/2021 rules, homeroom-teacher-then-principal signing, W3C verifiable
credentials, revocation and public verification."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug school records into the application."""
    from app.domains import add_demo_seeder, add_texts
    from school_records import (
        models,  # noqa: F401 - its tables
        page_routes,
        register_routes,
        rendering,
        routes,
        texts,
    )
    from school_records.cli import schools_cli

    add_texts(texts.MESSAGES, texts.VALIDATION_MESSAGES)
    for blueprint in (
        routes.blp,
        routes.issuer_metadata_blp,
        register_routes.blp,
        page_routes.page_blp,
    ):
        api.register_blueprint(blueprint)
    app.cli.add_command(schools_cli)
    rendering.register(app)
    add_demo_seeder(app, "school_records.demo:seed_transcripts")
