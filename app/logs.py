"""Structured logs: one JSON object per line (structlog), with the request's ids.

Every record of the application's loggers, and one ``request`` line per request
(method, route *template*, status, latency, the kind of caller), is rendered by
structlog as JSON with ``request_id`` and ``trace_id``. What a log line may carry
is limited by construction: routes are logged as their templates
(``/api/v1/citizens/<uuid:citizen_id>``), never the path or query string; callers
as a kind (``citizen``, ``staff``, ``anonymous``), never who; and
:func:`_drop_personal` removes any field whose name says it holds a person's data
or a secret, should a future log call pass one. ``LOG_FORMAT=console`` renders
the same events for a human at a terminal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import MutableMapping
from typing import Any

import structlog
from flask import Flask, Response, request
from flask.logging import default_handler
from flask_jwt_extended import get_jwt

from app.request_id import RequestIdFilter

#: Field names that never reach a log line, whoever passes them.
_PERSONAL = frozenset(
    {
        "national_id",
        "full_name",
        "name",
        "phone",
        "address",
        "birth_date",
        "email",
        "password",
        "token",
        "access_token",
        "refresh_token",
        "authorization",
        "secret",
        "code",
        "otp",
    }
)
_STARTED = "congdan_started"
log = logging.getLogger("app.requests")


def _drop_personal(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in _PERSONAL:
            event[key] = "[removed]"
    return event


def _ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    if record is not None:
        event.setdefault("request_id", getattr(record, "request_id", "-"))
        event.setdefault("trace_id", getattr(record, "trace_id", "-"))
    return event


def formatter(kind: str) -> logging.Formatter:
    """The formatter of every handler: JSON lines, or ``console`` for people."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if kind == "console"
        else structlog.processors.JSONRenderer()
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _ids,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_personal,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def actor_kind() -> str:
    """Who called, as a kind only: ``anonymous``, ``citizen`` or ``staff``."""
    try:
        claims = get_jwt()
    except RuntimeError:
        return "anonymous"
    if not claims:
        return "anonymous"
    return "staff" if claims.get("org") else "citizen"


def _start_clock() -> None:
    # On the request, not ``g``: an in-process request during another shares ``g``.
    request.environ.setdefault(_STARTED, time.perf_counter())


def elapsed() -> float | None:
    """Seconds since the current request began (None before it did)."""
    started = request.environ.get(_STARTED)
    return None if started is None else time.perf_counter() - started


def _log_request(response: Response) -> Response:
    seconds = elapsed()
    if seconds is None:
        return response
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    log.info(
        "request",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "latency_ms": round(seconds * 1000, 2),
            "actor": actor_kind(),
        },
    )
    return response


def init_logs(app: Flask) -> None:
    """JSON logs for the application's loggers, and a line per request."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestIdFilter())
    handler.congdan_handler = True  # type: ignore[attr-defined]
    # app.logger is the logger named "app": one handler there, however many apps.
    for name in {app.logger.name, "app", "dramatiq", *app.config["DOMAINS"]}:
        logger = logging.getLogger(name)
        logger.handlers = [
            h
            for h in logger.handlers
            # Ours from an earlier app in this process, and Flask's default one.
            if not getattr(h, "congdan_handler", False) and h is not default_handler
        ]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    app.before_request(_start_clock)
    app.after_request(_log_request)
