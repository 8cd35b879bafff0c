"""The CongDan application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import api_contract, cookie_session, queue, scheduled, unit_of_work
from app.cli import register_commands
from app.config import (
    check_disclosure,
    check_production,
    derive_identity_settings,
    ensure_secret_key,
    load_config,
)
from app.converters import SubjectConverter
from app.deployment import apply_province, init_deployment
from app.domains import init_domains
from app.errors import ProblemApi
from app.extensions import db, jwt, limiter, migrate
from app.http_errors import answer_server_errors_as_problems


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the CongDan application.

    :param config: overrides applied last (tests pass the database URL and keys).
    """
    app = unit_of_work.Application(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    app.config.from_prefixed_env("CONGDAN")
    app.config.update(config or {})
    ensure_secret_key(app.config, app.instance_path)
    check_production(app.config)
    check_disclosure(app.config)
    derive_identity_settings(app.config, app.instance_path)
    apply_province(app.config)
    # gunicorn's own 400/414/431 answers are problems of this deployment too.
    answer_server_errors_as_problems(app.config["PROBLEM_TYPE_BASE"])
    _apply_engine_options(app)
    _trust_proxies(app)

    _import_kernel_models()
    api = _register_extensions(app)
    _register_kernel_blueprints(api)
    register_commands(app)
    scheduled.register(app)
    init_deployment(app)
    init_domains(app, api)
    api_contract.ordered_tags(api.spec)
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
    from app.cors import init_cors
    from app.docs_assets import init_docs_assets
    from app.favicon import init_favicon
    from app.json_body import init_json_body
    from app.logs import init_logs
    from app.metrics import init_metrics
    from app.request_id import init_request_id
    from app.request_text import init_request_text
    from app.security_headers import init_security_headers
    from app.signing import init_signing
    from app.tracing import init_tracing

    init_request_id(app)
    init_logs(app)
    init_json_body(app)  # after the request id: its problems carry it
    init_request_text(app)
    init_security_headers(app)
    init_cors(app)
    db.init_app(app)
    unit_of_work.init_app(app)
    queue.init_app(app)
    init_metrics(app)  # counts the pool of the engine db made
    init_tracing(app)  # only when an OTLP endpoint is configured
    migrate.init_app(
        app,
        db,
        directory=_migrations_directory(),
        render_as_batch=True,
        compare_type=True,
    )
    app.url_map.converters["subject"] = SubjectConverter
    api = ProblemApi(app, spec_kwargs=api_contract.spec_options(app.config))
    init_docs_assets(app)
    init_favicon(app)
    api.register_converter(SubjectConverter, SubjectConverter.openapi_schema)
    api.spec.components.security_scheme(
        "dpopAuth",
        {
            "type": "http",
            "scheme": "DPoP",
            "description": "The API's access token, bound to a key of the phone "
            "(RFC 9449): `Authorization: DPoP <token>` and a `DPoP` header with a "
            "fresh proof of that key for the method, URL and token. `Bearer` "
            "tokens only where API_BEARER_TOKENS_ALLOWED lets older apps in.",
        },
    )
    api.spec.components.security_scheme(
        "metricsToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "The scraper's METRICS_TOKEN, for /metrics only.",
        },
    )
    jwt.init_app(app)
    init_auth(app)
    limiter.init_app(app)
    _limit_only_limited_routes(app)
    cookie_session.init_app(app)
    init_signing(app)
    return api


def _limit_only_limited_routes(app: Flask) -> None:
    """Check rate limits only on the routes that have one.

    CongDan sets no application-wide limit: each limited route carries its own
    ``limiter.limit`` decorator, which checks its limit itself. flask-limiter would
    otherwise look for limits before every request (a third of the cheapest one).
    A deployment that sets an application-wide or default limit keeps that check.
    """
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _import_kernel_models() -> None:
    """The kernel's own tables (each domain's come with its ``init_app``)."""
    from app import audit, idempotency, outbox, rendered, throttle  # noqa: F401


def _register_kernel_blueprints(api: ProblemApi) -> None:
    from app.health import blp as health_blp
    from app.signing import blp as signing_blp

    api.register_blueprint(health_blp)
    api.register_blueprint(signing_blp)


def _migrations_directory() -> str:
    return str(Path(__file__).resolve().parent.parent / "migrations")
