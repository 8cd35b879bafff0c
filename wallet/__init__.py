"""The wallet: CongDan as a credential issuer (OpenID4VCI 1.0, SD-JWT VC) of
transcripts and BHYT cards, and as a verifier (OpenID4VP 1.0, DCQL) for schools
and clinics; with a reference holder (``flask wallet``)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the issuer, the verifier and the reference wallet into the application."""
    from app.auth import leave_authorization_to
    from app.domains import add_housekeeping, add_texts
    from app.errors import add_problem_dialect
    from wallet import (
        api_routes,
        cli,
        housekeeping,
        models,  # noqa: F401 - its tables
        page_routes,
        problems,
        routes,
        texts,
    )

    add_texts(texts.MESSAGES, texts.VALIDATION_MESSAGES)
    for blueprint in (routes.blp, api_routes.blp, page_routes.page_blp):
        api.register_blueprint(blueprint)
    for prefix in problems.PREFIXES:
        add_problem_dialect(app, prefix, problems.render)
        leave_authorization_to(app, prefix)
    add_housekeeping(app, housekeeping.purge_spent)
    app.cli.add_command(cli.wallet_cli)
