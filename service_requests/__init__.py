"""Service requests: the one-stop shop's procedure catalogue, dossiers on the
national status list, working-day deadlines, once-only reuse of digitised data,
ratings and aggregate statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the one-stop shop into the application."""
    from app.deployment import add_loader
    from app.domains import add_demo_seeder, add_housekeeping, add_texts
    from app.jobs import add_job
    from service_requests import (
        ioc_routes,
        models,  # noqa: F401 - its tables
        open311,
        rendering,
        routes,
        stats_rollup,
        texts,
        track_routes,
    )
    from service_requests.catalogue import load_catalogue
    from service_requests.cli import (
        count_stats_command,
        open311_cli,
        seed_dossiers_command,
    )
    from service_requests.uploads import purge_unattached

    add_texts(texts.MESSAGES, texts.VALIDATION_MESSAGES)
    for blueprint in (
        routes.blp,
        open311.blp,
        track_routes.page_blp,
        ioc_routes.page_blp,
    ):
        api.register_blueprint(blueprint)
    app.cli.add_command(seed_dossiers_command)
    app.cli.add_command(count_stats_command)
    app.cli.add_command(open311_cli)
    open311.init_open311(app)
    add_loader(app, load_catalogue)
    add_demo_seeder(app, "service_requests.demo:seed_dossiers")
    add_housekeeping(app, lambda: f"{purge_unattached()} unattached uploads")
    rendering.register(app)
    # Each published month counted once, as soon as it is published (daily).
    add_job(
        app,
        "service_requests.count_stats",
        stats_rollup.count_published_job,
        every=timedelta(days=1),
    )
