"""Consent: requests and signed artefacts, share codes, break-glass access, the one
policy check every cross-party read goes through (``consent.policies``), and the
access events citizens read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug consent into the application."""
    from app.domains import add_texts
    from app.jobs import add_job
    from consent import (
        artefacts,
        emergency_routes,
        identity_routes,
        models,  # noqa: F401 - its tables
        routes,
        texts,
    )
    from consent.cli import consent_cli

    add_texts(texts.MESSAGES, texts.VALIDATION_MESSAGES)
    for blueprint in (routes.blp, identity_routes.blp, emergency_routes.blp):
        api.register_blueprint(blueprint)
    app.cli.add_command(consent_cli)
    # Overdue requests and consents marked expired, both sides told (hourly);
    # reads never wait for it: an overdue consent already permits nothing.
    add_job(
        app, "consent.expire_overdue", artefacts.expire_job, every=timedelta(hours=1)
    )
