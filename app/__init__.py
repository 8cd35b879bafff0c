"""The CongDan application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import (
    check_disclosure,
    check_production,
    derive_identity_settings,
    ensure_secret_key,
    load_config,
)
from app.converters import SubjectConverter
from app.errors import ProblemApi
from app.extensions import db, jwt, limiter, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the CongDan application.

    :param config: overrides applied last (tests pass the database URL and keys).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    app.config.from_prefixed_env("CONGDAN")
    app.config.update(config or {})
    ensure_secret_key(app.config, app.instance_path)
    check_production(app.config)
    check_disclosure(app.config)
    derive_identity_settings(app.config, app.instance_path)
    _apply_engine_options(app)
    _trust_proxies(app)

    _import_models()
    api = _register_extensions(app)
    _register_blueprints(api)
    _register_commands(app)
    return app


def _apply_engine_options(app: Flask) -> None:
    """Bound how long a connection attempt may hang (PostgreSQL only)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 5)


def _trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the proxies in front, if any.

    Throttles, rate limits and the audit log key on the client's address; behind
    nginx every request would otherwise come from 127.0.0.1. With no proxy
    (the default) the headers are ignored, so a client cannot pick its address.
    """
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_extensions(app: Flask) -> ProblemApi:
    from app.auth import init_auth
    from app.db import init_sqlite_writes
    from app.json_body import init_json_body
    from app.request_id import init_request_id
    from app.request_text import init_request_text
    from app.security_headers import init_security_headers
    from app.signing import init_signing
    from identity.vneid.server import init_provider

    init_request_id(app)
    init_json_body(app)  # after the request id: its problems carry it
    init_request_text(app)
    init_security_headers(app)
    db.init_app(app)
    init_sqlite_writes(app, lambda: db.session)  # looked up per request (tests swap it)
    migrate.init_app(
        app,
        db,
        directory=_migrations_directory(),
        render_as_batch=True,
        compare_type=True,
    )
    app.url_map.converters["subject"] = SubjectConverter
    api = ProblemApi(app)
    api.register_converter(SubjectConverter, SubjectConverter.openapi_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    jwt.init_app(app)
    init_auth(app)
    limiter.init_app(app)
    init_provider(app)
    init_signing(app)
    return api


def _import_models() -> None:
    """Import every model module so the metadata (and Alembic) sees every table."""
    from app import audit, idempotency, throttle  # noqa: F401
    from consent import models as consent_models  # noqa: F401
    from consent import texts  # noqa: F401 - registers the messages
    from health_book import models as health_models  # noqa: F401
    from health_book import texts as health_texts  # noqa: F401 - registers messages
    from identity import models, totp  # noqa: F401
    from identity.login import acting, tokens  # noqa: F401 - register JWT callbacks
    from identity.login import models as login_models  # noqa: F401
    from identity.vneid import models as vneid_models  # noqa: F401
    from school_records import models as school_models  # noqa: F401
    from school_records import texts as school_texts  # noqa: F401 - registers messages
    from service_requests import models as service_models  # noqa: F401
    from service_requests import texts as service_texts  # noqa: F401 - registers messages


def _register_blueprints(api: ProblemApi) -> None:
    from app.health import blp as health_blp
    from app.signing import blp as signing_blp
    from consent.routes import blp as consent_blp
    from health_book.routes import blp as health_book_blp
    from identity.login.routes import blp as auth_blp
    from identity.login.routes import callback_blp
    from identity.routes import blp as identity_blp
    from identity.vneid.routes import blp as vneid_blp
    from school_records.register_routes import blp as school_register_blp
    from school_records.routes import blp as school_records_blp
    from school_records.routes import page_blp as verify_page_blp
    from service_requests.open311 import blp as open311_blp
    from service_requests.routes import blp as service_requests_blp

    blueprints = (
        health_blp,
        signing_blp,
        identity_blp,
        auth_blp,
        callback_blp,
        vneid_blp,
        consent_blp,
        health_book_blp,
        school_records_blp,
        school_register_blp,
        verify_page_blp,
        service_requests_blp,
        open311_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)


def _migrations_directory() -> str:
    return str(Path(__file__).resolve().parent.parent / "migrations")
