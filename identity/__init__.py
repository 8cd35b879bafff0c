"""Identity: the mock national population register (citizens, households and
guardianship, organisations and staff roles), the embedded VNeID OpenID provider,
TOTP, and the API's own login."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, api: Any) -> None:
    """Plug the register, the provider and the API's login into the application."""
    # Imported here, not at the top: importing identity.models must not pull in
    # every route of the package.
    from app.auth import leave_authorization_to
    from app.deployment import add_loader
    from app.domains import add_demo_seeder, add_housekeeping, add_texts
    from app.errors import add_problem_dialect
    from identity import models, totp  # noqa: F401 - their tables
    from identity.deployment import load_organisations
    from identity.login import callback_routes
    from identity.login import models as login_models  # noqa: F401 - its tables
    from identity.login import routes as login_routes
    from identity.login import texts as login_texts
    from identity.login.acting import init_acting
    from identity.login.tokens import init_tokens
    from identity.routes import blp
    from identity.vneid import models as vneid_models  # noqa: F401 - its tables
    from identity.vneid import routes as vneid_routes
    from identity.vneid import texts as vneid_texts
    from identity.vneid.cli import vneid_cli
    from identity.vneid.cross_device import purge_spent
    from identity.vneid.server import init_provider

    add_texts(login_texts.MESSAGES, login_texts.VALIDATION_MESSAGES)
    add_texts(vneid_texts.MESSAGES, vneid_texts.VALIDATION_MESSAGES)
    init_tokens()
    init_acting(app)
    init_provider(app)
    for blueprint in (
        blp,
        login_routes.blp,
        callback_routes.callback_blp,
        vneid_routes.blp,
        vneid_routes.metadata_blp,
    ):
        api.register_blueprint(blueprint)
    leave_authorization_to(app, "/vneid")
    add_problem_dialect(
        app,
        "/api/v1/auth/vneid/backchannel-logout",
        login_routes.backchannel_refusal,
    )
    app.cli.add_command(vneid_cli)
    add_loader(app, load_organisations)
    add_housekeeping(app, purge_spent)
    add_demo_seeder(app, "identity.demo:seed_register")
